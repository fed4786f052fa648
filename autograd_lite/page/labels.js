// The step-through page's marks on the graph: the label of each edge this step uses, placed
// where it covers no node and no other label, and the small "partial" and "off" tags. Each
// is an SVG box with lines of text, as wide as its longest line (measured, so it fits).
// Positions are in the drawing's units (its g.graph); graph = {obstacles, bounds}: the boxes
// a label should not cover, and the drawing's area it must stay in.
const aglLabels = (function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const widths = new Map();  // measured once: measuring lays the page out again

  function place(graph, path, width, height, placed) {
    // along the edge, from its middle outwards, then further and further above or below
    // it, then beside it: the first place where the label covers no node and no other
    // label; where there is none (a short edge between two boxes), the place that covers
    // the least of them
    const length = path.getTotalLength();
    const candidates = [];
    for (const side of [0, -0.5, 0.5, -1, 1, -1.5, 1.5, -2, 2]) {
      for (const shift of [0, -0.6, 0.6, -1.2, 1.2, -1.8, 1.8]) {
        for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
          const point = path.getPointAtLength(length * t);
          candidates.push({ x: point.x - width / 2 + side * width,
            y: point.y - height / 2 + shift * height, width, height });
        }
      }
    }
    const taken = graph.obstacles.concat(placed);
    const pad = 4;  // clear of a box's border too (a thick one: the current node's)
    const covered = (c) => taken.reduce((sum, o) => sum + overlap({ x: c.x - pad,
      y: c.y - pad, width: c.width + 2 * pad, height: c.height + 2 * pad }, o), 0);
    const inside = candidates.filter((c) => overlap(c, graph.bounds) === c.width * c.height);
    const pool = inside.length ? inside : candidates;
    return pool.find((c) => covered(c) === 0) ||
      pool.reduce((best, c) => (covered(c) < covered(best) ? c : best));
  }

  function overlap(a, b) {  // the area two boxes share
    const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
    const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
    return w > 0 && h > 0 ? w * h : 0;
  }

  function tag(layer, lines, groupClass) {
    // a box with lines of text, as wide as its longest line (measured, so it always fits)
    const g = document.createElementNS(SVG, "g");
    g.setAttribute("class", groupClass);
    const rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("rx", 4);
    g.appendChild(rect);
    layer.appendChild(g);
    const texts = lines.map((line) => {
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("text-anchor", "middle");
      if (groupClass !== "agl-edge-label") text.setAttribute("class", "agl-tag");
      text.textContent = line;
      g.appendChild(text);
      return text;
    });
    const lineHeight = 20;  // 16 px text
    const key = groupClass + "\n" + lines.join("\n");  // the same tag, the same width
    if (!widths.has(key)) widths.set(key, 14 + Math.max(...texts.map((t) => t.getComputedTextLength())));
    const width = widths.get(key);
    const height = lineHeight * lines.length + 4;
    const move = (left, top) => {
      for (const [name, value] of [["x", left], ["y", top], ["width", width],
        ["height", height]]) rect.setAttribute(name, value);
      texts.forEach((text, i) => {
        text.setAttribute("x", left + width / 2);
        text.setAttribute("y", top + 2 + lineHeight * (i + 0.5) + lineHeight * 0.3);
      });
    };
    move(0, 0);
    return { g, width, height, move };
  }

  return { place, tag };
})();
