// What a person sees go wrong, measured in the page (Playwright evaluates this function):
// - overlaps: two text boxes, or a text and a chart/picture/video box, or two such boxes, that intersect
//   (each box clipped by its scrolling or hidden-overflow ancestors, as it is seen). Text is measured per
//   line (Range.getClientRects of each text node; each SVG <text> whole), so a table running under a chart
//   or two axis labels printed over each other are both caught.
// - crops: pictures and videos shown at another aspect than their own (object-fit: cover crops them,
//   fill squashes them); contain and scale-down show them whole.
// - overflow: the page is wider than the window (a horizontal scrollbar).
() => {
  const TOLERANCE = 1;   // px: boxes that only touch do not overlap
  const root = document.querySelector("main") || document.body;

  // ``from``: the first element whose overflow may clip the box (a text's own element, a picture's parent)
  function clipped(rect, from) {
    const r = {left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom};
    for (let a = from; a; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.display === "none" || cs.visibility === "hidden") { return null; }
      const ar = a.getBoundingClientRect();
      if (cs.overflowX !== "visible") { r.left = Math.max(r.left, ar.left); r.right = Math.min(r.right, ar.right); }
      if (cs.overflowY !== "visible") { r.top = Math.max(r.top, ar.top); r.bottom = Math.min(r.bottom, ar.bottom); }
    }
    return r.right - r.left > TOLERANCE && r.bottom - r.top > TOLERANCE ? r : null;
  }

  function describe(el, text) {
    const tag = el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." +
      el.className.trim().split(/\s+/).join(".") : "");
    return tag + (text ? ` "${text.trim().slice(0, 40)}"` : "");
  }

  const boxes = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.nodeValue.trim() || !parent || parent.closest("svg, script, style, option, template, dialog:not([open])")) {
      continue;
    }
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      const seen = clipped(rect, parent);
      if (seen) { boxes.push({kind: "text", el: parent, rect: seen, what: describe(parent, node.nodeValue)}); }
    }
  }
  for (const text of root.querySelectorAll("svg text")) {
    const seen = clipped(text.getBoundingClientRect(), text.parentElement);
    if (seen) { boxes.push({kind: "text", el: text, rect: seen, what: describe(text, text.textContent)}); }
  }
  for (const el of root.querySelectorAll("figure.chart svg, svg.spark, img, video")) {
    const seen = clipped(el.getBoundingClientRect(), el.parentElement);
    if (seen) { boxes.push({kind: "box", el: el, rect: seen, what: describe(el, el.getAttribute("aria-label") || "")}); }
  }

  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el === b.el || a.el.contains(b.el) && a.kind === "box" || b.el.contains(a.el) && b.kind === "box") {
        continue;   // a chart and its own labels, one text's own lines
      }
      const w = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
      const h = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
      if (w > TOLERANCE && h > TOLERANCE) {
        overlaps.push(`${a.what} x ${b.what} (${w.toFixed(1)} x ${h.toFixed(1)} px)`);
      }
    }
  }

  const crops = [];
  for (const el of root.querySelectorAll("img, video")) {
    const natW = el.naturalWidth || el.videoWidth, natH = el.naturalHeight || el.videoHeight;
    if (!natW || !natH || !el.clientWidth || !el.clientHeight) { continue; }
    const fit = getComputedStyle(el).objectFit;
    const natural = natW / natH, shown = el.clientWidth / el.clientHeight;
    const off = fit === "contain" || fit === "scale-down" ? 0 : 1 - Math.min(natural / shown, shown / natural);
    crops.push({what: describe(el, el.getAttribute("alt") || el.currentSrc), natural: natural, shown: shown, off: off,
                fit: fit});
  }

  return {
    overlaps: overlaps,
    crops: crops,
    checked: {texts: boxes.filter(b => b.kind === "text").length, boxes: boxes.filter(b => b.kind === "box").length,
              pictures: crops.length},
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
}
