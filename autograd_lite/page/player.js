/* The step-through page's script: it only DISPLAYS. Every number and every sentence comes
   from the page's data (autograd_lite.page.script, written by Python from the engine's
   backward_steps); nothing here computes a gradient. The view (zoom, pan, minimap) is
   L.view.js's graphView.

   Positions 0 .. n-1 are the forward pass (node k has just been computed), then one
   position per backward step shown: every step of L.steps, or, with leaf steps folded,
   those a leaf's step is not folded into (its caption then shows with the folding step).

   Page parts are found by structure and by attributes the drawing sets, never by their
   text: a node's group by its <title> (its id), its gradient row by the fill the drawing
   gives a final gradient (the page is drawn with final gradients). */

"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const GRAD_FILL = "#b91c1c";  // autograd_lite.drawing._GRAD_COLOR["final"]
const MOST_EDGE_LABELS = 6;  // a step sending along more edges labels none of them

function autogradLitePlayer(root, data) {
  const $ = (selector) => root.querySelector(selector);
  const ui = {
    slider: $(".agl-slider"), position: $(".agl-position"), caption: $(".agl-caption"),
    prev: $(".agl-prev"), next: $(".agl-next"), home: $(".agl-home"), end: $(".agl-end"),
    play: $(".agl-play"), speed: $(".agl-speed"), fold: $(".agl-fold"),
    level: $(".agl-level"), expand: $(".agl-expand"),
    quizOn: $(".agl-quiz-on"), quiz: $(".agl-quiz"), question: $(".agl-question"),
    answer: $(".agl-answer"), feedback: $(".agl-feedback"), reveal: $(".agl-reveal"),
    check: $(".agl-check"), inspector: $(".agl-inspector"),
    inspectorBody: $(".agl-inspector-body"), legend: $(".agl-legend"), rules: $(".agl-rules"),
    legendButton: $(".agl-legend-button"), rulesButton: $(".agl-rules-button"),
    whatif: $(".agl-whatif"), whatifButton: $(".agl-whatif-button"), leaves: $(".agl-leaves"),
    lr: $(".agl-lr"), gdStep: $(".agl-gd-step"), reset: $(".agl-reset"),
    whatifStatus: $(".agl-whatif-status"),
  };
  const PANELS = [[ui.legend, ui.legendButton], [ui.rules, ui.rulesButton],
    [ui.whatif, ui.whatifButton]];
  // The two levels: every scalar node, and the notes' units (a neuron is one box). Each has
  // its nodes (with their inputs as .parents), its steps (each with the .node it handles),
  // its drawing, and its view, made the first time it is shown.
  const levels = { scalars: level("scalars", data.nodes, data.steps, $(".agl-graph-scalars")) };
  const memberOf = new Map();  // scalar id -> the id of its unit
  if (data.units) {
    levels.units = level("units", data.units.nodes.map((u) => ({ ...u, parents: u.inputs })),
      data.units.steps.map((s) => ({ ...s, node: s.unit })), $(".agl-graph-units"));
    for (const unit of data.units.nodes) for (const m of unit.members) memberOf.set(m, unit.id);
  }
  const state = {
    position: 0, timer: null, inspected: null, answered: new Map(), positions: [],
    expanded: null,  // while a unit is expanded: {unit, position} to come back to
    live: null,  // after a what-if edit: aglLive.recompute's result
    termsOpen: false,  // a caption's list of every term, opened
  };
  const built = { nodes: data.nodes, steps: data.steps };  // the page as Python made it
  const model = aglWhatIf.create(data);
  let L = null;  // the level shown
  ui.fold.checked = Boolean(data.foldLeaves);
  buildWhatIf();
  ui.level.closest("label").hidden = ui.expand.hidden = !levels.units;
  buildRules();

  function level(name, nodes, steps, box) {
    return { name, nodes, steps, box, graph: null, view: null,
      byId: new Map(nodes.map((node, k) => [node.id, { node, index: k }])) };
  }

  function show(next) {
    // draw a level: its box shown, the other hidden; indexed and viewed the first time
    for (const other of Object.values(levels)) other.box.hidden = other !== next;
    ui.level.value = next.name;
    state.inspected = null;
    L = next;
    sizeStage();
    if (L.graph) {
      L.view.resize();
      return;
    }
    L.graph = indexGraph(L.box.querySelector("svg"));
    const boxes = new Map([...L.graph.nodes].map(([id, shown]) => [id, shown.box]));
    L.view = graphView(L.box, L.box.querySelector("svg"), L.box.querySelector(".agl-minimap"),
      boxes);
    L.view.buildMinimap();
    L.view.start(boxes.get(L.nodes[0].id));
    for (const { g } of L.graph.nodes.values()) {
      g.addEventListener("click", () => {
        if (L.view.wasDrag()) return;  // the end of a drag, not a click
        for (const [panel, button] of PANELS) toggle(panel, button, false);
        state.inspected = g.dataset.node;
        render();
      });
    }
  }

  // --- the SVG drawn by graphviz: each node's group, its op's, its edges, its grad text --
  function indexGraph(svg) {
    const groups = new Map();
    for (const g of svg.querySelectorAll("g.node, g.edge")) {
      const title = g.querySelector("title");
      const key = title ? title.textContent : "";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(g);
    }
    const layer = document.createElementNS(SVG_NS, "g");
    layer.setAttribute("class", "agl-overlay");
    svg.querySelector("g.graph").appendChild(layer);
    const nodes = new Map();
    for (const { node } of L.byId.values()) {
      const g = groups.get(node.id)[0];
      g.dataset.node = node.id;
      const grad = [...g.querySelectorAll("text")].find((t) => t.getAttribute("fill") === GRAD_FILL);
      if (grad) {
        centre(grad);
        grad.classList.add("agl-grad");
      }
      const shape = g.querySelector("path, polygon");
      const into = (p) => groups.get(p + "->" + node.id + "_op") || groups.get(p + "->" + node.id);
      const next = (t) => (t && t.nextElementSibling && t.nextElementSibling.tagName === "text"
        ? t.nextElementSibling : null);
      const before = grad && grad.previousElementSibling;
      nodes.set(node.id, {
        g, grad, box: shape.getBBox(),
        // the rows around the grad row: "data …" before it, an off ReLU's note after it
        data: !node.members && before && before.tagName === "text" ? before : null,
        offNote: !node.members ? next(grad) : null,
        op: (groups.get(node.id + "_op") || [])[0],
        edges: [...(groups.get(node.id + "_op->" + node.id) || [])],
        inputs: node.parents.map((p) => into(p) || []),
      });
    }
    const obstacles = [...nodes.values()].flatMap((shown) => [shown.box,
      ...(shown.op ? [shown.op.querySelector("ellipse, polygon, path").getBBox()] : [])]);
    // the drawing's own area (graphviz's background polygon): a label must stay inside it
    const bounds = svg.querySelector("g.graph > polygon").getBBox();
    return { nodes, layer, obstacles, bounds };
  }

  function centre(text) {
    // graphviz anchors table text at its start; anchored at its middle, a longer
    // replacement grows evenly on both sides
    const box = text.getBBox();
    text.setAttribute("text-anchor", "middle");
    text.setAttribute("x", box.x + box.width / 2);
  }

  function sizeStage() {
    // a page of its own: the graph takes the window's height below the controls
    if (!document.body.classList.contains("agl-page")) return;
    const top = L.box.getBoundingClientRect().top + window.scrollY;
    L.box.style.height = Math.max(320, window.innerHeight - top - 16) + "px";
  }

  // --- the positions shown, and what each node shows at a position ----------------------
  function folding() {
    return ui.fold.checked && !ui.quizOn.checked && !state.expanded;  // the quiz asks every leaf
  }

  function computeShown() {
    // the forward pass, one position per node, then the backward steps; inside an expanded
    // unit, only the unit's scalar steps
    const fold = folding();
    state.positions = state.expanded
      ? unitStep(state.expanded.unit).scalarSteps.map((k) => ({ step: k }))
      : L.nodes.map((_, k) => ({ forward: k })).concat(L.steps.map((_, k) => k)
        .filter((k) => !fold || L.steps[k].foldedInto == null).map((k) => ({ step: k })));
    ui.slider.max = last();
    ui.fold.disabled = ui.quizOn.checked;
    ui.expand.textContent = state.expanded ? "Collapse unit (E)" : "Expand unit (E)";
  }

  function unitStep(id) {
    return levels.units.steps.find((s) => s.unit === id);
  }

  function last() {
    return state.positions.length - 1;
  }

  function backwardStep(position) {
    const at = state.positions[position];
    return at && at.step !== undefined ? at.step : null;
  }

  function positionOf(step) {
    // the position of a step; a folded leaf's step is shown with the step it is folded into
    const p = state.positions.findIndex((at) => at.step === step);
    return p !== -1 || L.steps[step].foldedInto == null ? p : positionOf(L.steps[step].foldedInto);
  }

  function foldedSteps(step) {
    return step !== null && folding() ? L.steps[step].folds || [] : [];
  }

  function gradAt(node, step) {
    // the engine's last sum for this node at or before the step, and its status
    let found = { status: "unreached", text: "" };
    if (step === null) return found;
    for (const [k, text, status] of node.grads) {
      if (k > step) break;
      found = { status, text };
    }
    return found;
  }

  function hidden(id) {
    // quiz mode: a gradient not answered (nor shown) yet, and every number that shows it;
    // at the notes' level a scalar's number is the unit's (answered with the unit)
    const key = L.name === "units" ? memberOf.get(id) || id : id;
    const entry = L.byId.get(key);
    return ui.quizOn.checked && Boolean(entry && entry.node.quiz) && !state.answered.has(key);
  }

  function segmentText(segment) {
    if (typeof segment === "string") return segment;
    return hidden(segment.hides) ? "?" : segment.text;
  }

  function lineText(line) {
    return line.map(segmentText).join("");
  }

  function isOff(node) {
    // a ReLU whose input is ≤ 0; a unit holding one
    const scalar = (id) => levels.scalars.byId.get(id).node;
    const off = (s) => s.op === "relu" && scalar(s.parents[0]).value <= 0;
    return node.members ? node.kind === "neuron" && node.members.some((m) => off(scalar(m)))
      : off(node);
  }

  function currentNode() {
    const at = state.positions[state.position];
    return at.step === undefined ? L.nodes[at.forward] : L.byId.get(L.steps[at.step].node).node;
  }

  function render() {
    const at = state.positions[state.position];
    const step = backwardStep(state.position);
    const current = currentNode();
    const folded = new Set(foldedSteps(step).map((k) => L.steps[k].node));
    const unit = state.expanded && levels.units.byId.get(state.expanded.unit).node;
    const rows = [];  // the texts rewritten, fitted to their boxes below
    for (const { node, index } of L.byId.values()) {
      const shown = L.graph.nodes.get(node.id);
      const visible = step !== null || index <= at.forward;
      for (const g of [shown.g, shown.op, ...shown.edges, ...shown.inputs.flat()]) {
        if (g) g.classList.toggle("agl-gone", !visible);
      }
      const grad = gradAt(node, step);
      const secret = grad.status !== "unreached" && hidden(node.id);
      if (shown.grad) {
        // the forward pass shows no gradient at all: none has been computed yet
        shown.grad.textContent = step === null ? ""
          : grad.status === "unreached" ? "no grad yet"
            : secret ? "grad ?" : "grad " + grad.text;
        rows.push([shown.grad, shown.box.width - 12]);
        const look = secret ? "hidden-grad" : grad.status;
        for (const status of ["final", "pending", "unreached", "hidden-grad"]) {
          shown.grad.classList.toggle("agl-" + status, look === status);
        }
      }
      if (shown.data) {
        shown.data.textContent = "data " + node.data;
        rows.push([shown.data, shown.box.width - 12]);
      }
      if (shown.offNote) {
        const input = L.byId.get(node.parents[0]).node;
        shown.offNote.textContent = isOff(node) ? `off: ${input.name} = ${input.data} ≤ 0` : "";
        rows.push([shown.offNote, shown.box.width - 12]);
      }
      shown.g.classList.toggle("agl-pending", grad.status === "pending" && !secret);
      shown.g.classList.toggle("agl-off", isOff(node));
      shown.g.classList.toggle("agl-outside", Boolean(unit) && !unit.members.includes(node.id));
      shown.g.dataset.status = step === null ? "forward" : grad.status;
      shown.g.classList.toggle("agl-current", step !== null && node === current);
      shown.g.classList.toggle("agl-folded", folded.has(node.id));
      shown.g.classList.toggle("agl-computing", step === null && node === current);
      shown.g.classList.toggle("agl-inspected", node.id === state.inspected);
      if (shown.op) shown.op.classList.toggle("agl-current", step !== null && node === current);
      for (const g of shown.inputs.flat()) g.classList.remove("agl-sending");
    }
    fit(rows);
    const labels = drawOverlay(step, current);
    renderCaption(step, current);
    renderQuiz(step, current);
    renderInspector();
    ui.slider.value = state.position;
    const backward = state.positions.filter((p) => p.step !== undefined).length;
    const k = state.position - (state.positions.length - backward) + 1;
    ui.position.textContent = step === null ? `Forward pass: ${at.forward + 1} of ${L.nodes.length}`
      : unit ? `Inside ${unit.name}: step ${k} of ${backward}`
        : `Backward pass: step ${k} of ${backward}`;
    ui.prev.disabled = ui.home.disabled = state.position === 0;
    ui.next.disabled = ui.end.disabled = state.position === last();
    ui.expand.disabled = !state.expanded && !(L.name === "units" && step !== null);
    root.dataset.position = state.position;
    root.dataset.current = current.id;
    root.dataset.level = L.name;
    L.view.markMinimap(new Map([[current.id, step === null ? "agl-mini-computing"
      : "agl-mini-current"], ...[...folded].map((id) => [id, "agl-mini-current"])]));
    keepStepInSight(current, step, folded, labels);
  }

  function keepStepInSight(current, step, folded, labels) {
    // the node of this step, its op, every edge it uses and their labels (and the leaves
    // folded into the step): all in the view, as far as readable text allows; the node
    // itself always (see graphView's keepInSight)
    const shown = L.graph.nodes.get(current.id);
    const parts = [shown.g, shown.op, ...shown.edges, ...shown.inputs.flat(), ...labels,
      ...[...folded].map((id) => L.graph.nodes.get(id).g)].filter(Boolean);
    L.view.keepInSight(L.view.union(parts.map((part) => part.getBBox())), shown.box);
  }

  function fit(rows) {
    // each [text, width]: squeezed to the width when longer. All texts are measured in one
    // go, after all were written: one layout, not one per text
    for (const [text] of rows) {
      text.removeAttribute("textLength");
      text.removeAttribute("lengthAdjust");
    }
    const lengths = rows.map(([text]) => text.getComputedTextLength());
    rows.forEach(([text, width], k) => {
      if (lengths[k] > width) {
        text.setAttribute("textLength", width);
        text.setAttribute("lengthAdjust", "spacingAndGlyphs");
      }
    });
  }

  // --- overlay: "partial" and "off" tags, and the labels on the edges of this step -----
  function drawOverlay(step, current) {
    L.graph.layer.replaceChildren();
    const placed = [];  // the tags, then the labels: a label covers none of them
    for (const { node } of L.byId.values()) {
      const shown = L.graph.nodes.get(node.id);
      const { x, y, width } = shown.box;
      if (shown.g.classList.contains("agl-gone")) continue;
      const mark = shown.g.classList.contains("agl-pending") ? "partial"
        : shown.g.classList.contains("agl-off") ? "off" : null;
      if (mark) {
        const t = aglLabels.tag(L.graph.layer, [mark], "agl-tag-" + mark);
        const top = y + 6 - t.height;  // over the corner, above the text
        t.move(x + width - t.width + 4, top);
        placed.push({ x: x + width - t.width + 4, y: top, width: t.width, height: t.height });
      }
    }
    if (step === null) return [];
    const seen = new Map();
    const labels = [];
    const sends = L.steps[step].sends;
    // a unit sending to many (r to 16 hidden units) lights its edges but labels none: each
    // box it sends to shows its new gradient, and the caption says every term
    const labelled = sends.length <= MOST_EDGE_LABELS;
    for (const send of sends) {
      const edges = L.graph.nodes.get(current.id).inputs[send.position];
      const k = seen.get(send.parent) || 0;  // a*a: the first and the second edge from a
      seen.set(send.parent, k + 1);
      const edge = edges.length > k ? edges[k] : edges[0];
      edge.classList.add("agl-sending");
      if (!labelled) continue;
      const lines = send.labelParts.map(lineText);
      const label = aglLabels.tag(L.graph.layer, lines, "agl-edge-label");
      const box = aglLabels.place(L.graph, edge.querySelector("path"), label.width,
        label.height, placed);
      label.move(box.x, box.y);
      placed.push(box);
      labels.push(label.g);
    }
    return labels;
  }

  // --- caption, quiz, inspector ----------------------------------------------------------
  function stepLines(k) {
    const step = L.steps[k];
    return step.parts.map(lineText);
  }

  function renderCaption(step, current) {
    // a unit of many terms (r, of 16) shows its first lines, then how each term goes,
    // which opens the list of every term's numbers
    ui.caption.classList.toggle("agl-forward", step === null);
    let lines;
    let folded = [];
    if (step === null) {
      lines = ["Forward: " + current.forward];
    } else {
      lines = stepLines(step);
      const shown = L.steps[step].shown ?? lines.length;
      folded = lines.splice(shown);
      for (const k of foldedSteps(step)) lines.push(...stepLines(k));
    }
    const shown = lines.map((line) => el("div", line));
    if (folded.length) {
      const list = document.createElement("details");
      list.className = "agl-terms";
      list.open = state.termsOpen;
      list.addEventListener("toggle", () => { state.termsOpen = list.open; });
      list.append(el("summary", `${folded[0]} (every term's numbers)`),
        ...folded.slice(1).map((line) => el("div", line)));
      shown.push(list);
    }
    ui.caption.replaceChildren(...shown);
  }

  function renderQuiz(step, current) {
    const asking = ui.quizOn.checked && step !== null && Boolean(current.quiz);
    if (ui.quiz.hidden === asking) {
      ui.quiz.hidden = !asking;
      sizeStage();
      L.view.resize();
    }
    if (!asking) return;
    ui.question.textContent = current.quiz.question;
    const answered = state.answered.get(current.id);
    ui.answer.disabled = ui.reveal.disabled = ui.check.disabled = Boolean(answered);
    if (answered) {
      ui.answer.value = answered.typed;
      ui.feedback.textContent = answered.message;
      ui.feedback.className = "agl-feedback " + (answered.right ? "agl-right" : "agl-wrong");
    } else {
      ui.answer.value = "";
      ui.feedback.textContent = "";
      ui.feedback.className = "agl-feedback";
    }
  }

  function check(typed) {
    // the engine's number and its typical wrong answers, with their messages, are in data
    const quiz = currentNode().quiz;
    const x = Number(typed.trim().replace(/[\u2212\u2013]/g, "-").replace(",", "."));
    if (typed.trim() === "" || !Number.isFinite(x)) {
      ui.feedback.textContent = "Type a number, such as -0.25.";
      ui.feedback.className = "agl-feedback agl-wrong";
      ui.answer.focus();
      return;
    }
    const close = (a, tolerance) => Math.abs(x - a) <= tolerance;
    let message;
    let right = false;
    if (close(quiz.answer, quiz.tolerance)) {
      right = true;
      message = `Right: ${quiz.question} = ${quiz.text}.`;
    } else {
      const mistake = quiz.mistakes.find((m) => close(m.value, m.tolerance));
      message = mistake
        ? `Not quite: ${mistake.message}. So ${quiz.question} = ${quiz.text}.`
        : `Not quite: ${quiz.question} = ${quiz.text}, the sum over its uses of the gradient ` +
          "from above times the local derivative (click the node to see the terms).";
    }
    state.answered.set(currentNode().id, { typed, message, right });
    render();
  }

  function renderInspector() {
    ui.inspector.hidden = state.inspected === null;
    const drawer = [ui.inspector, ...PANELS.map(([panel]) => panel)].find((d) => !d.hidden);
    L.view.inset = drawer ? drawer.offsetWidth : 0;
    if (state.inspected === null) return;
    const node = L.byId.get(state.inspected).node;
    const step = backwardStep(state.position);
    const gradient = `∂${data.rootName}/∂${node.name}`;
    const body = [el("h3", node.formula || node.name), el("p", node.members
      ? node.forward : `value ${node.data}`)];
    if (node.members && node.members.length > 1) {
      body.push(el("p", `${node.members.length} scalar nodes: on its backward step, ` +
        "Expand unit (E) steps through them"));
    }
    if (node.op) {
      body.push(el("h4", "Inputs"), list(node.parents.map((p) => {
        const parent = L.byId.get(p).node;
        return `${parent.name} = ${parent.data}`;
      })));
      body.push(el("h4", "Local derivatives"),
        list(node.locals.map((d) => `${d.derivative} = ${d.formula} = ${d.value}`)));
    }
    body.push(el("h4", `Gradient ${gradient}`));
    const grad = gradAt(node, step);
    const own = (text) => (hidden(node.id) ? "?" : text);
    if (step === null) {
      body.push(el("p", "computed in the backward pass, after the forward pass"));
    } else if (node.id === data.root) {
      body.push(el("p", `${gradient} = ${own("1")}: the walk starts here`));
    } else if (!node.terms) {  // a unit: its gradient as the notes' equations give it
      body.push(el("p", grad.status === "unreached" ? "no gradient has reached it yet"
        : `${gradient} = ${own(grad.text)}` + (grad.status === "pending" ? " (partial)" : "")));
    } else {
      body.push(el("p", `the sum over its ${node.terms.length} use(s), ` +
        `∂${data.rootName}/∂child · ∂child/∂${node.name}:`));
      const items = node.terms.map((t) => {
        const p = positionOf(t.step);
        const sent = p !== -1 ? p <= state.position : t.step <= step;
        const upstream = hidden(t.child) ? "?" : t.upstream;
        const item = el("li", `from ${t.childName}: (${upstream})·(${t.local}) = ` +
          `${own(t.amount)}` + (sent ? "" : "  (not sent yet)"));
        if (!sent) item.className = "agl-not-yet";
        return item;
      });
      body.push(listOf(items));
      body.push(el("p", grad.status === "unreached" ? "no term has been sent yet"
        : grad.status === "pending" ? `so far: ${own(grad.text)} (partial)`
          : `${gradient} = ${own(grad.text)} (final)`));
    }
    body.push(...pathsSection(node, step));
    ui.inspectorBody.replaceChildren(...body);
  }

  function pathsSection(node, step) {
    // the whole chain rule: one product of local derivatives per path to the output, the
    // paths through an off ReLU apart (each is 0); pointing at one lights it up
    if (node.id === data.root || node.paths === undefined || step === null) return [];
    const gradient = `∂${data.rootName}/∂${node.name}`;
    const section = [el("h4", `Every path to ${data.rootName}: ${gradient} = Σ over paths`)];
    if (node.paths === null) {
      section.push(el("p", `${node.nPaths} paths: too many to list one by one`));
      return section;
    }
    const own = (text) => (hidden(node.id) ? "?" : text);
    const item = (path) => {
      const names = path.nodes.map((id) => L.byId.get(id).node.name).join(" → ");
      const li = el("li", `${names}: ${path.product} = ${own(path.value)}`);
      li.tabIndex = 0;
      li.className = "agl-path";
      const light = (on) => lightPath(path.nodes, on);
      li.addEventListener("mouseenter", () => light(true));
      li.addEventListener("mouseleave", () => light(false));
      li.addEventListener("focus", () => light(true));
      li.addEventListener("blur", () => light(false));
      return li;
    };
    const live = node.paths.filter((path) => !path.off);
    const off = node.paths.filter((path) => path.off);
    const items = live.map(item);
    if (off.length) {
      const separator = el("li", "through an off ReLU (each path gives 0):");
      separator.className = "agl-paths-off";
      items.push(separator, ...off.map(item));
    }
    section.push(listOf(items));
    const sum = [...live, ...off].map((path) => own(path.value)).join(" + ");  // as listed
    const final = node.grads.length ? node.grads[node.grads.length - 1][1] : "0";
    section.push(el("p", `${gradient} = ${sum} = ${own(final)}`));
    return section;
  }

  function lightPath(ids, on) {
    // the boxes, ops and edges along a path (each id is an input of the next)
    for (let i = 0; i < ids.length; i++) {
      const shown = L.graph.nodes.get(ids[i]);
      const parts = [shown.g];
      if (i > 0) {
        const child = L.byId.get(ids[i]).node;
        parts.push(shown.op, ...shown.edges);
        child.parents.forEach((parent, k) => {
          if (parent === ids[i - 1]) parts.push(...shown.inputs[k]);
        });
      }
      for (const part of parts) if (part) part.classList.toggle("agl-on-path", on);
    }
  }

  function el(tagName, text) {
    const element = document.createElement(tagName);
    element.textContent = text;
    return element;
  }

  function list(lines) {
    return listOf(lines.map((line) => el("li", line)));
  }

  function listOf(items) {
    const ul = document.createElement("ul");
    ul.replaceChildren(...items);
    return ul;
  }

  // --- panels: the legend and the rulebook, over the graph ----------------------------
  function buildRules() {
    if (!data.rules) {
      ui.rulesButton.hidden = true;
      return;
    }
    const rows = data.rules.map((rule) => {
      const row = document.createElement("tr");
      row.append(el("th", rule.op), el("td", rule.expression), el("td", rule.locals.join(";  ")));
      return row;
    });
    ui.rules.querySelector(".agl-rules-table").replaceChildren(...rows);
  }

  function toggle(panel, button, open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  }

  // --- what if: leaves edited, every number computed again in the page ------------------
  function buildWhatIf() {
    ui.whatifButton.hidden = !data.whatif;
    if (!data.whatif) return;
    const rows = model.leaves.filter((leaf) => leaf.kind !== "constant").map((leaf) => {
      const row = document.createElement("tr");
      const field = document.createElement("input");
      field.type = "text";
      field.inputMode = "decimal";
      field.className = "agl-leaf";
      field.dataset.index = leaf.index;
      field.value = String(model.values0[leaf.index]);
      field.disabled = !model.ok;
      field.setAttribute("aria-label", leaf.name);
      field.addEventListener("change", () => edit(currentValues()));
      field.addEventListener("keydown", (event) => {  // Enter: done, the keys step again
        if (event.key === "Enter") root.focus({ preventScroll: true });
      });
      const cell = document.createElement("td");
      cell.append(field);
      row.append(el("td", leaf.name), el("td", leaf.kind === "param" ? "weight" : "input"), cell);
      return row;
    });
    ui.leaves.replaceChildren(...rows);
    ui.gdStep.disabled = ui.reset.disabled = ui.lr.disabled = !model.ok;
    if (!model.ok) say(model.note, true);
  }

  function number(text) {
    return Number(String(text).trim().replace(/[\u2212\u2013]/g, "-").replace(",", "."));
  }

  function currentValues() {
    const values = Float64Array.from(state.live ? state.live.values : model.values0);
    for (const field of ui.leaves.querySelectorAll(".agl-leaf")) {
      values[Number(field.dataset.index)] = number(field.value);
    }
    return values;
  }

  function say(text, wrong) {
    ui.whatifStatus.textContent = text;
    ui.whatifStatus.classList.toggle("agl-wrong", Boolean(wrong));
  }

  function edit(values) {
    // recompute with these leaf values; on an error (log of a negative...) say which op,
    // and keep showing the last numbers that could be computed
    const live = aglLive.recompute(data, model, values);
    if (!live.ok) {
      say(live.message, true);
      return;
    }
    state.live = live;
    for (const field of ui.leaves.querySelectorAll(".agl-leaf")) {
      field.value = String(values[Number(field.dataset.index)]);
    }
    const root = model.values0.length - 1;
    const f = (x) => aglWhatIf.formatNumber(x, data.fmt || ".4g");
    const quiz = ui.quizOn.checked ? " Quiz mode is off: its questions are about the page " +
      "as built (Reset, then turn it on again)." : "";
    say(`${data.rootName} = ${f(live.values[root])} (as built: ${f(model.values0[root])}); ` +
      `the page shows the new numbers.${quiz}`);
    relevel(live);
  }

  function relevel(numbers) {
    // the scalars' level with these nodes and steps; the notes' level and the quiz only for
    // the page as built (their sentences were written for its numbers)
    const scalars = levels.scalars;
    scalars.nodes = numbers.nodes;
    scalars.steps = numbers.steps;
    scalars.byId = new Map(numbers.nodes.map((node, k) => [node.id, { node, index: k }]));
    if (state.live) ui.quizOn.checked = false;
    ui.quizOn.disabled = ui.level.disabled = Boolean(state.live);
    if (L !== scalars) switchLevel("scalars");
    else reshow();
  }

  function gradientStep() {
    const lr = number(ui.lr.value);
    const now = state.live || aglLive.recompute(data, model, model.values0);
    const next = model.step(now.values, now.grads, lr);
    if (!next.ok) say(next.message, true);
    else edit(next.values);
  }

  function reset() {
    state.live = null;
    for (const field of ui.leaves.querySelectorAll(".agl-leaf")) {
      field.value = String(model.values0[Number(field.dataset.index)]);
    }
    say("");
    relevel(built);
  }

  // --- moving ---------------------------------------------------------------------------
  function go(position) {
    state.position = Math.max(0, Math.min(last(), position));
    render();
  }

  function play() {
    if (state.timer !== null) {
      stop();
      return;
    }
    if (state.position === last()) go(0);
    state.timer = setInterval(() => {
      if (state.position >= last()) stop();
      else go(state.position + 1);
    }, Number(ui.speed.value));
    ui.play.textContent = "❚❚ Pause";
  }

  function stop() {
    clearInterval(state.timer);
    state.timer = null;
    ui.play.textContent = "▶ Play";
  }

  function reshow() {
    // fold or unfold: stay on the same step (or the step a leaf's step is folded into)
    const at = state.positions[state.position];
    computeShown();
    if (at.step !== undefined) state.position = Math.max(0, positionOf(at.step));
    go(state.position);
  }

  function switchLevel(name) {
    // to the other level, at the step (or node) that holds the one shown
    const from = L;
    const at = state.positions[state.position];
    state.expanded = null;
    show(levels[name]);
    computeShown();
    let p;
    if (at.step === undefined) {
      const id = from.nodes[at.forward].id;
      p = L.byId.get(name === "units" ? memberOf.get(id) : id).index;
    } else if (name === "scalars") {
      p = positionOf(from.steps[at.step].scalarSteps[0]);
    } else {
      p = positionOf(L.steps.findIndex((s) => s.scalarSteps.includes(at.step)));
    }
    go(Math.max(0, p));
  }

  function expand() {
    // a unit's own scalar nodes, step by step, and back
    if (state.expanded) {
      const back = state.expanded.position;
      state.expanded = null;
      show(levels.units);
      computeShown();
      go(back);
      return;
    }
    const step = backwardStep(state.position);
    if (L.name !== "units" || step === null) return;
    const unit = L.steps[step].unit;
    state.expanded = { unit, position: state.position };
    show(levels.scalars);
    computeShown();
    L.view.start(L.graph.nodes.get(unit).box);  // readable, at the unit's output
    go(0);
  }

  ui.prev.addEventListener("click", () => go(state.position - 1));
  ui.next.addEventListener("click", () => go(state.position + 1));
  ui.home.addEventListener("click", () => go(0));
  ui.end.addEventListener("click", () => go(last()));
  ui.play.addEventListener("click", play);
  ui.speed.addEventListener("change", () => {
    if (state.timer !== null) {
      stop();
      play();
    }
  });
  ui.slider.addEventListener("input", () => go(Number(ui.slider.value)));
  ui.quizOn.addEventListener("change", reshow);
  ui.fold.addEventListener("change", reshow);
  ui.quiz.addEventListener("submit", (event) => {
    event.preventDefault();
    check(ui.answer.value);
  });
  ui.reveal.addEventListener("click", () => {
    const quiz = currentNode().quiz;
    state.answered.set(currentNode().id, {
      typed: "", right: false, message: `${quiz.question} = ${quiz.text}.`,
    });
    render();
  });
  $(".agl-zoom-in").addEventListener("click", () => L.view.zoomBy(1.25));
  $(".agl-zoom-out").addEventListener("click", () => L.view.zoomBy(0.8));
  $(".agl-fit").addEventListener("click", () => L.view.fit());
  for (const [panel, button] of PANELS) {
    button.addEventListener("click", () => {
      const open = panel.hidden;
      for (const [other, itsButton] of PANELS) toggle(other, itsButton, false);  // one at a time
      toggle(panel, button, open);
      if (open) state.inspected = null;
      render();
    });
    panel.querySelector(".agl-close").addEventListener("click", () => {
      toggle(panel, button, false);
      render();
    });
  }
  ui.inspector.querySelector(".agl-close").addEventListener("click", () => {
    state.inspected = null;
    render();
  });
  ui.gdStep.addEventListener("click", gradientStep);
  ui.reset.addEventListener("click", reset);
  function closePanels() {
    state.inspected = null;
    for (const [panel, button] of PANELS) toggle(panel, button, false);
    render();
  }
  ui.level.addEventListener("change", () => switchLevel(ui.level.value));
  ui.expand.addEventListener("click", expand);
  // after any control (a button, a box, a choice, a slider) the keys move the steps again
  root.addEventListener("click", (event) => {
    if (event.target.closest("button, input[type=checkbox], input[type=range], summary")) {
      root.focus({ preventScroll: true });
    }
  });
  root.addEventListener("change", (event) => {
    if (event.target.matches("select, input[type=range]")) root.focus({ preventScroll: true });
  });
  root.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.matches("input[type=text], select")) return;  // typing, or choosing
    const moves = { ArrowLeft: -1, ArrowRight: 1 };
    const pans = { ArrowLeft: [80, 0], ArrowRight: [-80, 0], ArrowUp: [0, 80],
      ArrowDown: [0, -80] };
    if (event.shiftKey && event.key in pans) L.view.panBy(...pans[event.key]);
    else if (event.key in moves) go(state.position + moves[event.key]);
    else if (event.key === "Home") go(0);
    else if (event.key === "End") go(last());
    else if (event.key === "+" || event.key === "=") L.view.zoomBy(1.25);
    else if (event.key === "-") L.view.zoomBy(0.8);
    else if (event.key === "0") L.view.fit();
    else if (event.key === "Escape") closePanels();
    else if ((event.key === "e" || event.key === "E") && levels.units) expand();
    else return;
    event.preventDefault();
    event.stopPropagation();  // in Jupyter, the notebook does not act on the key too
  });
  window.addEventListener("resize", () => {
    sizeStage();
    L.view.resize();
  });

  show(data.level === "units" && levels.units ? levels.units : levels.scalars);
  computeShown();
  render();
  if (document.body.classList.contains("agl-page")) root.focus();
}
