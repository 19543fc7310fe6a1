/* ankigen preview: renders only the cards near the screen from the page's JSON data, typesets their
   math as they first appear, filters the data (not the DOM), highlights matches, remembers filters,
   scroll position and night mode, and, when served by `ankigen serve`, follows the server's rebuilds. */
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const list = $("pv-list"), more = $("pv-more"), search = $("pv-search"), deckBox = $("pv-deck");
  const tagBox = $("pv-tag"), problemsBox = $("pv-problems"), viewBox = $("pv-view");
  const nightButton = $("pv-night"), count = $("pv-count"), status = $("pv-status");
  const BATCH = 30, TYPESET_CHUNK = 5, AHEAD_PX = 1500, SEARCH_EVERY_MS = 50, CACHE_MAX = 600;
  const STATE_KEY = "ankigen-preview:" + location.pathname, NIGHT_KEY = "ankigen-preview:night";
  const dark = matchMedia("(prefers-color-scheme: dark)");

  let data = unpack({...JSON.parse($("pv-data").textContent),
    x: $("pv-x").textContent, f: $("pv-f").textContent, b: $("pv-b").textContent});
  let shown = [], rendered = 0, words = [], wordsKey = "", wordsRe = null, saving = 0;
  let pendingSearch = 0, lastSearch = -Infinity;
  const built = new Map(); // entry key → its <article>, kept (typeset) while it may come back

  const within = (value, wanted) => value === wanted || value.startsWith(wanted + "::");
  const isCard = (entry) => entry.f !== "";
  const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const escapeRe = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  /* The data: an index of small fields, plus search text, fronts and backs each in one big string. */
  function unpack(packed) {
    const bulk = {};
    for (const name of ["x", "f", "b"]) bulk[name] = packed[name].replaceAll("\x1d", "<").split("\x1e");
    packed.index.forEach((entry, i) => {
      entry.x = bulk.x[i];
      entry.f = bulk.f[i];
      entry.b = bulk.b[i];
    });
    return {entries: packed.index, live: packed.live, version: packed.version, lines: packed.lines};
  }

  // Storage may be refused (privacy settings): the page then works without remembering.
  function load(area, key) {
    try { return window[area].getItem(key); } catch (error) { return null; }
  }
  function save(area, key, value) {
    try { window[area].setItem(key, value); } catch (error) { /* not remembered */ }
  }

  /* MathJax: each batch of new cards is typeset once, in order (MathJax must not run twice at once). */
  const domReady = new Promise((resolve) => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
    else resolve();
  });
  const mathjaxReady = domReady
    .then(() => window.MathJax && MathJax.startup && MathJax.startup.promise)
    .catch((error) => console.error("MathJax did not start:", error));
  let typesetting = Promise.resolve();

  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

  function typeset(articles) {
    // A few cards at a time, yielding in between, so that typing never waits for a whole batch.
    for (let i = 0; i < articles.length; i += TYPESET_CHUNK) {
      const group = articles.slice(i, i + TYPESET_CHUNK);
      typesetting = typesetting.then(() => mathjaxReady).then(nextTask).then(() => typesetGroup(group));
    }
    return typesetting;
  }

  function typesetGroup(articles) {
    const attached = articles.filter((a) => a.isConnected);
    const done = window.MathJax && MathJax.typesetPromise && attached.length
      ? MathJax.typesetPromise(attached) : Promise.resolve();
    return done.catch((error) => console.error("MathJax:", error)).then(() => {
      for (const article of articles) {
        article.pvQueued = false;
        if (article.isConnected) {
          article.dataset.typeset = "1";
          highlight(article);
        } else {
          built.delete(article.dataset.key); // left before being typeset: build it again if needed
        }
      }
    });
  }

  /* One entry → one <article>: its diagnostics, then the front and back sides as Anki shows them. */
  function sides(entry) {
    if (!isCard(entry)) return "";
    const night = nightOn() ? " nightMode night_mode" : "";
    const back = entry.b.replace("{{FrontSide}}", () => entry.f);
    return `<div class="card pv-front${night}"><div id="qa">${entry.f}</div></div>`
      + `<div class="card pv-back${night}"><div id="qa">${back}</div></div>`;
  }

  function problems(entry) {
    if (!entry.p.length) return "";
    // The same words as `ankigen check`: path:line[:col]: severity: message [rule]
    const items = entry.p.map(([severity, rule, message, line, col]) =>
      `<li class="pv-${severity}"><a href="${escapeHtml(entry.h + (data.lines ? "#L" + line : ""))}">`
      + `${escapeHtml(entry.s)}:${line}`
      + `${col ? ":" + col : ""}</a>: <b>${severity}:</b> ${escapeHtml(message)} [${escapeHtml(rule)}]</li>`);
    return `<ul class="pv-diagnostics mathjax_ignore">${items.join("")}</ul>`;
  }

  function build(entry) {
    const article = document.createElement("article");
    article.className = "pv-card" + (isCard(entry) ? "" : " pv-loose");
    article.dataset.key = entry.k;
    const tags = entry.t.map((tag) => `<span>${escapeHtml(tag)}</span>`).join("");
    // A note of several cards (a reversed one) names each card by its template ("Card 2").
    const label = isCard(entry) ? entry.c : "no card";
    const kind = label ? `<span class="pv-kind">${escapeHtml(label)}</span>` : "";
    article.innerHTML = `<div class="pv-meta mathjax_ignore"><span class="pv-deck">${escapeHtml(entry.d)}</span>`
      + `${kind}<span class="pv-tags">${tags}</span></div>${problems(entry)}${sides(entry)}`;
    return article;
  }

  function articleFor(entry) {
    let article = built.get(entry.k);
    if (!article) {
      article = build(entry);
      built.set(entry.k, article);
    }
    return article;
  }

  /* Rendering: the shown entries go into the list a batch at a time, as the end comes near the screen. */
  function renderMore(n) {
    const next = shown.slice(rendered, rendered + n);
    if (!next.length) return;
    const fragment = document.createDocumentFragment(), fresh = [];
    for (const entry of next) {
      const article = articleFor(entry);
      if (article.dataset.typeset !== "1" && !article.pvQueued) {
        article.pvQueued = true;
        fresh.push(article);
      }
      fragment.append(article);
    }
    list.append(fragment);
    rendered += next.length;
    if (fresh.length) typeset(fresh);
    for (const article of next.map(articleFor)) highlight(article);
    if (more.getBoundingClientRect().top < innerHeight + AHEAD_PX) requestAnimationFrame(() => renderMore(BATCH));
  }
  new IntersectionObserver((seen) => {
    if (seen.some((s) => s.isIntersecting)) renderMore(BATCH);
  }, {rootMargin: `${AHEAD_PX}px`}).observe(more);

  /* Highlights: <mark> around each search word in the card's text, never inside typeset math. */
  function highlight(article) {
    if (article.dataset.typeset !== "1" || article.pvWords === wordsKey) return;
    article.pvWords = wordsKey;
    for (const mark of article.querySelectorAll("mark.pv-hit")) mark.replaceWith(mark.textContent);
    article.normalize();
    if (!wordsRe) return;
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (node.parentElement.closest("mjx-container, script, style")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    const hits = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      wordsRe.lastIndex = 0;
      if (wordsRe.test(node.nodeValue)) hits.push(node);
    }
    for (const node of hits) {
      const fragment = document.createDocumentFragment(), text = node.nodeValue;
      let last = 0;
      for (const match of text.matchAll(wordsRe)) {
        const mark = document.createElement("mark");
        mark.className = "pv-hit";
        mark.textContent = match[0];
        fragment.append(text.slice(last, match.index), mark);
        last = match.index + match[0].length;
      }
      fragment.append(text.slice(last));
      node.replaceWith(fragment);
    }
  }

  /* Filtering runs on the data; only the first batch of what matches is rendered. */
  function matches(entry) {
    if (deckBox.value && !within(entry.d, deckBox.value)) return false;
    if (tagBox.value && !entry.t.some((tag) => within(tag, tagBox.value))) return false;
    if (problemsBox.checked && !entry.p.length) return false;
    return words.every((word) => entry.x.includes(word));
  }

  function apply(anchor) {
    const started = performance.now();
    words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    wordsKey = words.join(" ");
    wordsRe = words.length ? new RegExp(words.map(escapeRe).join("|"), "gi") : null;
    shown = data.entries.filter(matches);
    const cards = data.entries.filter(isCard).length;
    count.textContent = `${shown.filter(isCard).length} of ${cards} cards`;
    $("pv-empty").hidden = shown.length > 0;
    list.replaceChildren();
    rendered = 0;
    renderMore(anchor ? anchor.index + BATCH : BATCH);
    if (anchor) {
      const kept = built.get(anchor.key);
      const target = kept && kept.isConnected ? kept : list.children[anchor.index];
      if (target) window.scrollBy(0, target.getBoundingClientRect().top - anchor.top);
    }
    prune();
    remember();
    performance.measure("ankigen-preview-filter", {start: started}); // read by benchmarks/preview.py
  }

  function prune() {
    if (built.size <= CACHE_MAX) return;
    for (const [key, article] of built) {
      if (article.isConnected || article.pvQueued) continue;
      if (window.MathJax && MathJax.typesetClear) MathJax.typesetClear([article]);
      built.delete(key);
    }
  }

  /* The first card at least partly below the bar: where the reader is. */
  function topVisible() {
    const barBottom = document.querySelector(".pv-bar").getBoundingClientRect().bottom;
    const children = list.children;
    for (let index = 0; index < children.length; index += 1) {
      const box = children[index].getBoundingClientRect();
      if (box.bottom > barBottom) return {key: children[index].dataset.key, index, top: box.top};
    }
    return null;
  }

  /* Filters, view and scroll position survive a reload (per tab); night mode is remembered for good. */
  function remember() {
    clearTimeout(saving);
    saving = setTimeout(() => {
      const state = {search: search.value, deck: deckBox.value, tag: tagBox.value,
        problems: problemsBox.checked, view: viewBox.value, anchor: topVisible()};
      save("sessionStorage", STATE_KEY, JSON.stringify(state));
    }, 150);
  }

  function restored() {
    try { return JSON.parse(load("sessionStorage", STATE_KEY) || "null"); } catch (error) { return null; }
  }

  function fillSelect(box, values, everything) {
    const chosen = box.value, all = new Set();
    for (const value of values) {
      const parts = value.split("::");
      for (let i = 1; i <= parts.length; i += 1) all.add(parts.slice(0, i).join("::"));
    }
    const order = (a, b) => {
      const x = a.split("::"), y = b.split("::");
      for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
        if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      }
      return x.length - y.length;
    };
    const options = [...all].sort(order).map((value) => {
      const parts = value.split("::");
      return new Option("\u2003".repeat(parts.length - 1) + parts[parts.length - 1], value);
    });
    box.replaceChildren(new Option(everything, ""), ...options);
    box.value = all.has(chosen) ? chosen : "";
  }

  function fillControls() {
    fillSelect(deckBox, new Set(data.entries.map((e) => e.d).filter(Boolean)), "All decks");
    fillSelect(tagBox, new Set(data.entries.flatMap((e) => e.t)), "All tags");
    const found = data.entries.flatMap((e) => e.p);
    const errors = found.filter((p) => p[0] === "error").length;
    problemsBox.parentElement.title = `${plural(errors, "error")}, ${plural(found.length - errors, "warning")}`;
    $("pv-problem-count").textContent = found.length ? `(${found.length})` : "";
  }

  function showView() {
    document.body.classList.remove("pv-view-back", "pv-view-front", "pv-view-both");
    document.body.classList.add(`pv-view-${viewBox.value}`);
  }

  /* Night mode: the system's colour scheme until the button says otherwise. */
  function nightOn() {
    const saved = load("localStorage", NIGHT_KEY);
    return saved === null ? dark.matches : saved === "1";
  }
  function paintNight() {
    const on = nightOn(), cards = [...built.values()].flatMap((a) => [...a.querySelectorAll(".card")]);
    for (const el of [document.body, ...cards]) {
      el.classList.toggle("nightMode", on);
      el.classList.toggle("night_mode", on);
    }
    nightButton.setAttribute("aria-pressed", String(on));
  }

  /* Served live: the server says when it rebuilt; the new data replaces the old where the reader is. */
  function follow() {
    const events = new EventSource("events");
    events.onopen = () => { status.textContent = "live"; };
    events.onerror = () => { status.textContent = "reconnecting…"; };
    events.onmessage = (event) => {
      if (event.data === data.version) return;
      fetch("data.json", {cache: "no-store"})
        .then((response) => response.json())
        .then((fresh) => {
          const anchor = topVisible();
          data = unpack(fresh);
          fillControls();
          apply(anchor);
        })
        .catch((error) => { status.textContent = `reload failed: ${error}`; });
    };
  }

  // Search at most once per SEARCH_EVERY_MS: a key typed after a pause answers at once, fast typing
  // costs one filtering per interval (and the last key is always applied).
  search.addEventListener("input", () => {
    clearTimeout(pendingSearch);
    const wait = lastSearch + SEARCH_EVERY_MS - performance.now();
    const run = () => { lastSearch = performance.now(); apply(null); };
    if (wait <= 0) run();
    else pendingSearch = setTimeout(run, wait);
  });
  for (const box of [deckBox, tagBox, problemsBox]) box.addEventListener("change", () => apply(null));
  viewBox.addEventListener("change", () => { showView(); remember(); });
  nightButton.addEventListener("click", () => {
    save("localStorage", NIGHT_KEY, nightOn() ? "0" : "1");
    paintNight();
  });
  dark.addEventListener("change", paintNight);
  addEventListener("scroll", remember, {passive: true});
  list.addEventListener("click", (event) => {
    const side = event.target.closest(".card");
    if (side && viewBox.value === "front" && !event.target.closest("a")) {
      side.closest(".pv-card").classList.toggle("pv-flipped");
    }
  });
  addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, select, textarea, [contenteditable]");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  history.scrollRestoration = "manual"; // the page puts the reader back itself, once cards are there
  // Every control is set from the saved state or to its default, never left as the browser restored it.
  const state = restored() || {};
  fillControls();
  search.value = state.search || "";
  problemsBox.checked = Boolean(state.problems);
  for (const [box, value] of [[deckBox, state.deck], [tagBox, state.tag], [viewBox, state.view]]) {
    const known = [...box.options].some((option) => option.value === value);
    box.value = known ? value : box.options[0].value;
  }
  showView();
  paintNight();
  apply(state.anchor || null);
  if (data.live) follow();
  performance.mark("ankigen-preview-ready");

  /* For tests and benchmarks: settle() resolves once every card rendered so far is typeset. */
  window.ankigenPreview = {
    shown: () => shown.map((entry) => ({source: entry.s, line: entry.l, card: isCard(entry)})),
    settle: async () => {
      let seen;
      do { seen = typesetting; await seen; } while (seen !== typesetting);
    },
  };
})();
