// Measures one rendered card side in the live page (used by test_mobile.py).
// (canvas) => {vw, docWidth, scale, hiddenCard, boxes, contrast, fonts}
//   boxes:    every element whose content is larger than its box and that clips it (overflow other
//             than visible), tagged data-ankigen-box=N for the screenshots that look for its scroll cue
//   contrast: each element holding visible text, and each formula, against the background behind it
//             (its own and its ancestors' background colours over the app's canvas)
(canvas) => {
  const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  const rgba = (s) => { // a computed CSS colour -> [r, g, b, a]; oklch(), color() etc. through a canvas
    const m = s.match(/^rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:[,/] ?([\d.]+))?\)$/);
    if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = "rgba(0,0,0,0)";
    ctx.fillStyle = s;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;  // not premultiplied
    return [d[0], d[1], d[2], d[3] / 255];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const lum = (c) => {
    const f = (v) => (v /= 255) <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const describe = (el) => el.tagName.toLowerCase() + [...el.classList].slice(0, 2).map((c) => "." + c).join("");
  const snippet = (s) => (s || "").replace(/\s+/g, " ").trim().slice(0, 60);
  const hidden = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === "none" || cs.visibility !== "visible") return true;
    }
    return false;
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 0.999) break;
    }
    return layers.reverse().reduce((base, layer) => over(layer, base), rgba(canvas));
  };
  const inMath = (el) => !!el.closest("mjx-container");
  const root = document.getElementById("qa") || document.body;
  const de = document.documentElement;

  const boxes = [];
  [...root.querySelectorAll("*")].forEach((el) => {
    if (el.closest("mjx-assistive-mml") || (inMath(el) && el.tagName !== "MJX-CONTAINER") || hidden(el)) return;
    const cs = getComputedStyle(el);
    if (cs.overflowX === "visible" && cs.overflowY === "visible") return; // spills out: counted in the page width
    const wide = el.scrollWidth > el.clientWidth + 1, tall = el.scrollHeight > el.clientHeight + 1;
    if (!wide && !tall) return;
    const scrolls = (v) => v === "auto" || v === "scroll";
    el.setAttribute("data-ankigen-box", String(boxes.length));
    boxes.push({
      what: describe(el), text: snippet(el.textContent), box: el.clientWidth, content: el.scrollWidth,
      hiddenX: wide, hiddenY: tall, scrollsX: scrolls(cs.overflowX), scrollsY: scrolls(cs.overflowY),
      scrollable: (!wide || scrolls(cs.overflowX)) && (!tall || scrolls(cs.overflowY)),
    });
  });

  const pieces = new Map();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.nodeValue.trim() || !el || /^(STYLE|SCRIPT)$/.test(el.tagName) || inMath(el)) continue;
    pieces.set(el, (pieces.get(el) || "") + n.nodeValue);
  }
  root.querySelectorAll("mjx-container").forEach((c) => pieces.set(c, c.getAttribute("aria-label") || "math"));
  const contrast = [], fonts = [];
  for (const [el, text] of pieces) {
    if (hidden(el)) continue;
    const cs = getComputedStyle(el);
    const bg = background(el);
    const fg = over(rgba(cs.webkitTextFillColor || cs.color), bg);
    const px = parseFloat(cs.fontSize);
    const large = px >= 24 || (px >= 18.66 && parseInt(cs.fontWeight, 10) >= 700);
    const row = { what: describe(el), text: snippet(text), fg: hex(fg), bg: hex(bg), px,
                  ratio: Math.round(ratio(fg, bg) * 100) / 100, need: large ? 3 : 4.5 };
    contrast.push(row);
    if (el.tagName !== "MJX-CONTAINER") fonts.push(row);
  }
  return {
    vw: de.clientWidth, docWidth: Math.max(de.scrollWidth, document.body.scrollWidth),
    scale: window.visualViewport ? window.visualViewport.scale : 1,
    hiddenCard: document.body.classList.contains("mathjax-needs-to-render"),
    boxes, contrast, fonts,
  };
}
