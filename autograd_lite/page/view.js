/* The step-through page's view of the graph: fit, zoom and pan (wheel, drag, pinch, keys),
   a minimap when the graph is larger than its box, and keeping a region in sight.

   Positions are in the drawing's own units (graphviz's points, the coordinates of its
   g.graph), so that boxes found with getBBox() are used as they are. The view is a centre
   (cx, cy) and a scale k, CSS pixels per unit; the SVG's viewBox is set from them. */

"use strict";

const MIN_READABLE_SCALE = 0.75;  // graphviz writes 16-unit text: 0.75 makes it 12 px
const START_SCALE = 0.9;  // a graph too big to fit readably opens at this scale
const MAX_SCALE = 3;

function graphView(box, svg, minimapBox, nodeBoxes) {
  const graph = svg.querySelector("g.graph");
  const m = graph.transform.baseVal.consolidate();  // graphviz: translate(4 H)
  const shift = m ? { x: m.matrix.e, y: m.matrix.f } : { x: 0, y: 0 };
  const drawing = graph.querySelector("polygon").getBBox();  // the background: the whole
  // the boxes, and room round them for the tags over their corners (not the drawing's margin)
  const content = grown(union([...nodeBoxes.values()]), 20);
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  // whole: the view shows the whole graph, as Fit left it (nothing zoomed or panned since)
  const view = { cx: 0, cy: 0, k: 1, inset: 0, whole: false };
  const listeners = [];

  let measured = null;  // the box's size, read again only when it may have changed (resize)

  function size() {
    measured = measured || { w: Math.max(1, box.clientWidth), h: Math.max(1, box.clientHeight) };
    return measured;
  }

  function resize() {
    // a new size (the window, or the quiz's row coming and going): a view of the whole
    // graph stays whole while its text stays readable
    measured = null;
    if (view.whole && fitScale(content) * 0.97 >= MIN_READABLE_SCALE) fit();
    else apply();
  }

  function fitScale(region, width) {
    const { w, h } = size();
    return Math.min((width ?? w) / region.width, h / region.height);
  }

  function apply() {
    const { w, h } = size();
    const k = view.k;
    svg.setAttribute("viewBox", [view.cx - w / (2 * k) + shift.x, view.cy - h / (2 * k) + shift.y,
      w / k, h / k].join(" "));
    svg.style.width = w + "px";
    svg.style.height = h + "px";
    drawMinimap();
    for (const listener of listeners) listener();
  }

  function leastScale() {
    return Math.min(fitScale(drawing) * 0.95, MIN_READABLE_SCALE);
  }

  function clampScale(k) {
    return Math.max(leastScale(), Math.min(MAX_SCALE, k));
  }

  function fit() {
    view.whole = true;
    view.k = clampScale(fitScale(content) * 0.97);
    view.cx = content.x + content.width / 2;
    view.cy = content.y + content.height / 2;
    apply();
  }

  function start(first) {
    // the whole graph if it fits with readable text, else the first node at a readable scale
    if (fitScale(content) * 0.97 >= MIN_READABLE_SCALE) {
      fit();
    } else {
      view.whole = false;
      view.k = START_SCALE;
      view.cx = first.x + first.width / 2;
      view.cy = first.y + first.height / 2;
      apply();
    }
  }

  function zoomBy(factor, at) {
    // zoom about a point of the box (CSS pixels from its top left): it stays where it is
    const { w, h } = size();
    const px = at ? at.x : w / 2;
    const py = at ? at.y : h / 2;
    const before = toDrawing(px, py);
    view.whole = false;
    view.k = clampScale(view.k * factor);
    const after = toDrawing(px, py);
    view.cx += before.x - after.x;
    view.cy += before.y - after.y;
    apply();
  }

  function panBy(dx, dy) {  // in CSS pixels
    view.whole = false;
    view.cx -= dx / view.k;
    view.cy -= dy / view.k;
    apply();
  }

  function toDrawing(px, py) {
    const { w, h } = size();
    return { x: view.cx + (px - w / 2) / view.k, y: view.cy + (py - h / 2) / view.k };
  }

  function keepInSight(region, anchor, margin = 24) {
    // pan as little as needed, and zoom out only as far as text stays readable, so that
    // `region` (a step's node, its edges and their labels) is inside the part of the box
    // the inspector's drawer does not cover. Readability wins: when the region cannot all
    // be seen at MIN_READABLE_SCALE (graphviz put an input far away), the view stays at
    // that scale and `anchor` (the step's node) is kept in view, with as much of the rest
    // as the pan allows. A scale the student chose below it is kept, never lowered.
    const { w } = size();
    const free = w - view.inset;
    const needed = fitScale({ width: region.width + 2 * margin / view.k,
      height: region.height + 2 * margin / view.k }, free);
    const floor = Math.min(view.k, MIN_READABLE_SCALE);
    if (needed < view.k) view.k = clampScale(Math.max(needed, floor));
    const before = [view.cx, view.cy, view.k];
    panTo(region, free, margin);
    if (anchor) panTo(anchor, free, margin);  // last: the node wins over its edges
    if ([view.cx, view.cy, view.k].some((v, i) => v !== before[i])) view.whole = false;
    apply();
  }

  function panTo(region, free, margin) {
    // the least pan that brings `region` inside the view (its top left if it is larger)
    const { w, h } = size();
    const half = { w: w / (2 * view.k), h: h / (2 * view.k) };
    const pad = margin / view.k;
    const right = view.cx - half.w + (free / view.k) - pad;
    if (region.x + region.width > right) view.cx += region.x + region.width - right;
    const left = view.cx - half.w + pad;  // where the left is now: it wins if both can't
    if (region.x < left) view.cx -= left - region.x;
    // the minimap takes the bottom left corner: a region over its columns stays above it
    const shown = mini.svg && !minimapBox.hidden;
    const overMinimap = shown && (region.x - (view.cx - half.w)) * view.k < mini.width + 16;
    const bottom = view.cy + half.h - pad - (overMinimap ? (mini.height + 16) / view.k : 0);
    if (region.y + region.height > bottom) view.cy += region.y + region.height - bottom;
    const top = view.cy - half.h + pad;  // where the top is now: it wins if both can't
    if (region.y < top) view.cy -= top - region.y;
  }

  // --- the minimap: the boxes of the graph as plain rectangles, and the view ----------
  const mini = { svg: null, frame: null, marks: new Map(), width: 0, height: 0 };

  function buildMinimap() {
    if (!minimapBox) return;
    const ns = "http://www.w3.org/2000/svg";
    mini.width = 200;
    mini.height = Math.min(160, drawing.height * mini.width / drawing.width);
    mini.svg = document.createElementNS(ns, "svg");
    mini.svg.setAttribute("viewBox", `${drawing.x} ${drawing.y} ${drawing.width} ${drawing.height}`);
    mini.svg.setAttribute("width", mini.width);
    mini.svg.setAttribute("height", mini.height);
    mini.svg.setAttribute("aria-hidden", "true");
    for (const [id, b] of nodeBoxes) {
      const rect = document.createElementNS(ns, "rect");
      for (const [name, value] of [["x", b.x], ["y", b.y], ["width", b.width],
        ["height", b.height]]) rect.setAttribute(name, value);
      rect.setAttribute("class", "agl-mini-node");
      mini.marks.set(id, rect);
      mini.svg.appendChild(rect);
    }
    mini.frame = document.createElementNS(ns, "rect");
    mini.frame.setAttribute("class", "agl-mini-view");
    mini.svg.appendChild(mini.frame);
    minimapBox.replaceChildren(mini.svg);
    let dragging = false;
    const centreAt = (event) => {
      const point = mini.svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      const p = point.matrixTransform(mini.svg.getScreenCTM().inverse());
      view.cx = p.x;
      view.cy = p.y;
      apply();
    };
    mini.svg.addEventListener("pointerdown", (event) => {
      dragging = true;
      mini.svg.setPointerCapture(event.pointerId);
      centreAt(event);
      event.stopPropagation();
    });
    mini.svg.addEventListener("pointermove", (event) => { if (dragging) centreAt(event); });
    mini.svg.addEventListener("pointerup", () => { dragging = false; });
  }

  function drawMinimap() {
    if (!mini.svg) return;
    const { w, h } = size();
    const larger = w / view.k < content.width || h / view.k < content.height;
    minimapBox.hidden = !larger;
    const x = view.cx - w / (2 * view.k);
    const y = view.cy - h / (2 * view.k);
    for (const [name, value] of [["x", x], ["y", y], ["width", w / view.k],
      ["height", h / view.k]]) mini.frame.setAttribute(name, value);
  }

  function markMinimap(classes) {
    // classes: id -> class name ("agl-mini-current" ...) for this step; others plain
    for (const [id, rect] of mini.marks) {
      rect.setAttribute("class", "agl-mini-node " + (classes.get(id) || ""));
    }
  }

  // --- pointers: drag to pan, two fingers to zoom, the wheel to zoom ----------------------
  const pointers = new Map();
  let dragged = false;
  box.style.touchAction = "none";
  box.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    dragged = false;
  });
  box.addEventListener("pointermove", (event) => {
    const before = pointers.get(event.pointerId);
    if (!before) return;
    const now = { x: event.clientX, y: event.clientY };
    if (pointers.size === 2) {
      const [a, b] = [...pointers.entries()].map(([id, p]) => (id === event.pointerId ? now : p));
      const [a0, b0] = [...pointers.values()];
      const rect = box.getBoundingClientRect();
      const d0 = Math.hypot(a0.x - b0.x, a0.y - b0.y);
      const d1 = Math.hypot(a.x - b.x, a.y - b.y);
      if (d0 > 0) zoomBy(d1 / d0, { x: (a.x + b.x) / 2 - rect.left, y: (a.y + b.y) / 2 - rect.top });
      dragged = true;
    } else if (dragged || Math.hypot(now.x - before.x, now.y - before.y) > 4) {
      if (!dragged) box.setPointerCapture(event.pointerId);
      dragged = true;
      panBy(now.x - before.x, now.y - before.y);
    } else {
      return;  // not a drag yet: keep the first point
    }
    pointers.set(event.pointerId, now);
  });
  const release = (event) => pointers.delete(event.pointerId);
  box.addEventListener("pointerup", release);
  box.addEventListener("pointercancel", release);
  box.addEventListener("wheel", (event) => {
    event.preventDefault();
    const rect = box.getBoundingClientRect();
    zoomBy(Math.exp(-event.deltaY * 0.0015),
      { x: event.clientX - rect.left, y: event.clientY - rect.top });
  }, { passive: false });

  function grown(b, by) {
    return { x: b.x - by, y: b.y - by, width: b.width + 2 * by, height: b.height + 2 * by };
  }

  function union(boxes) {
    const x = Math.min(...boxes.map((b) => b.x));
    const y = Math.min(...boxes.map((b) => b.y));
    return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x,
      height: Math.max(...boxes.map((b) => b.y + b.height)) - y };
  }

  return {
    fit, union, zoomBy, panBy, keepInSight, buildMinimap, markMinimap, resize,
    get scale() { return view.k; },
    set inset(px) { view.inset = px; },
    wasDrag() { return dragged; },
    onChange(listener) { listeners.push(listener); },
    start,
  };
}
