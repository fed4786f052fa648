/* The step-through page's script: it only DISPLAYS. Every number and every sentence comes
   from the page's data (autograd_lite.player.script, written by Python from the engine's
   backward_steps); nothing here computes a gradient.

   Positions 0 .. n-1 are the forward pass (node k has just been computed), positions
   n .. 2n-1 the backward pass (step k = position - n handles data.steps[k].node). */

"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const PLAY_INTERVAL_MS = 1400;

function autogradLitePlayer(root) {
  const data = JSON.parse(document.getElementById(root.id + "-data").textContent);
  const n = data.nodes.length;
  const last = 2 * n - 1;
  const byId = new Map(data.nodes.map((node, k) => [node.id, { node, index: k }]));
  const $ = (selector) => root.querySelector(selector);
  const ui = {
    slider: $(".agl-slider"), position: $(".agl-position"), caption: $(".agl-caption"),
    prev: $(".agl-prev"), next: $(".agl-next"), home: $(".agl-home"), end: $(".agl-end"),
    play: $(".agl-play"), quizOn: $(".agl-quiz-on"), quiz: $(".agl-quiz"),
    question: $(".agl-question"), answer: $(".agl-answer"), feedback: $(".agl-feedback"),
    reveal: $(".agl-reveal"), inspector: $(".agl-inspector"),
    inspectorBody: $(".agl-inspector-body"), svg: $(".agl-graph svg"),
  };
  const graph = indexGraph(ui.svg);
  fitWidth(ui.svg, 0.6, 1.6);
  const state = { position: 0, timer: null, inspected: null, answered: new Map() };

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
    svg.querySelector("g.graph").appendChild(layer);
    const nodes = new Map();
    for (const { node } of byId.values()) {
      const g = groups.get(node.id)[0];
      g.dataset.node = node.id;
      const texts = [...g.querySelectorAll("text")];
      const grad = texts.find((t) => t.textContent.startsWith("grad")) || texts[texts.length - 1];
      centre(grad);
      grad.classList.add("agl-grad");
      const shape = g.querySelector("path, polygon");
      nodes.set(node.id, {
        g, grad, box: shape.getBBox(),
        op: (groups.get(node.id + "_op") || [])[0],
        edges: [...(groups.get(node.id + "_op->" + node.id) || [])],
        inputs: node.parents.map((p) => groups.get(p + "->" + node.id + "_op") || []),
      });
    }
    const obstacles = [...nodes.values()].flatMap((shown) => [shown.box,
      ...(shown.op ? [shown.op.querySelector("ellipse, polygon, path").getBBox()] : [])]);
    // the drawing's own area (graphviz's background polygon): a label must stay inside it
    const bounds = svg.querySelector("g.graph > polygon").getBBox();
    return { nodes, layer, obstacles, bounds };
  }

  function fitWidth(svg, least, most) {
    // the graph is scaled to fill the width, by `least` to `most` times its size (larger
    // for a projector); a graph that would need to shrink more keeps its size and scrolls
    const width = svg.viewBox.baseVal.width * 4 / 3;  // graphviz's points, in CSS pixels
    const height = svg.viewBox.baseVal.height * 4 / 3;
    const scale = Math.min(most, (svg.parentElement.clientWidth - 4) / width);
    if (scale >= least) {
      svg.setAttribute("width", width * scale);
      svg.setAttribute("height", height * scale);
    }
  }

  function centre(text) {
    // graphviz anchors table text at its start; anchored at its middle, a longer
    // replacement grows evenly on both sides
    const box = text.getBBox();
    text.setAttribute("text-anchor", "middle");
    text.setAttribute("x", box.x + box.width / 2);
  }

  // --- what each node shows at a position ----------------------------------------------
  function backwardStep(position) {
    return position >= n ? position - n : null;
  }

  function gradAt(node, step) {
    // the engine's last sum for this node at or before the step, and its status
    if (step === null) return { status: "unreached", text: "" };
    let found = { status: "unreached", text: "" };
    for (const [k, text, status] of node.grads) {
      if (k > step) break;
      found = { status, text };
    }
    return found;
  }

  function hiddenByQuiz(node) {
    return ui.quizOn.checked && !state.answered.has(node.id);
  }

  function render() {
    const position = state.position;
    const step = backwardStep(position);
    const current = step === null ? data.nodes[position] : byId.get(data.steps[step].node).node;
    for (const { node, index } of byId.values()) {
      const shown = graph.nodes.get(node.id);
      const visible = step !== null || index <= position;
      for (const g of [shown.g, shown.op, ...shown.edges, ...shown.inputs.flat()]) {
        if (g) g.classList.toggle("agl-gone", !visible);
      }
      const grad = gradAt(node, step);
      const hidden = grad.status !== "unreached" && hiddenByQuiz(node);
      const look = hidden ? "hidden-grad" : grad.status;
      shown.grad.textContent = grad.status === "unreached" ? "no grad yet"
        : hidden ? "grad ?" : "grad " + grad.text;
      fit(shown.grad, shown.box.width - 10);
      for (const status of ["final", "pending", "unreached", "hidden-grad"]) {
        shown.grad.classList.toggle("agl-" + status, look === status);
      }
      shown.g.classList.toggle("agl-pending", grad.status === "pending" && !hidden);
      shown.g.dataset.status = grad.status;
      shown.g.classList.toggle("agl-current", step !== null && node === current);
      shown.g.classList.toggle("agl-computing", step === null && node === current);
      shown.g.classList.toggle("agl-inspected", node.id === state.inspected);
      if (shown.op) shown.op.classList.toggle("agl-current", step !== null && node === current);
      for (const g of shown.inputs.flat()) g.classList.remove("agl-sending");
    }
    drawOverlay(step, current);
    keepInView(graph.nodes.get(current.id).g);
    renderCaption(step, current);
    renderQuiz(step, current);
    renderInspector();
    ui.slider.value = position;
    ui.position.textContent = step === null
      ? `Forward pass: ${position + 1} of ${n}`
      : `Backward pass: step ${step + 1} of ${n}`;
    ui.prev.disabled = ui.home.disabled = position === 0;
    ui.next.disabled = ui.end.disabled = position === last;
    root.dataset.position = position;
    root.dataset.current = current.id;
  }

  function keepInView(g) {
    // scroll the graph's own box (never the page) so that the node of this step shows
    const view = ui.svg.parentElement;
    const box = view.getBoundingClientRect();
    const node = g.getBoundingClientRect();
    if (node.left < box.left || node.right > box.right) {
      view.scrollLeft += node.left + node.width / 2 - (box.left + box.width / 2);
    }
    if (node.top < box.top || node.bottom > box.bottom) {
      view.scrollTop += node.top + node.height / 2 - (box.top + box.height / 2);
    }
  }

  function fit(text, width) {
    text.removeAttribute("textLength");
    text.removeAttribute("lengthAdjust");
    if (text.getComputedTextLength() > width) {
      text.setAttribute("textLength", width);
      text.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
  }

  // --- overlay: the "partial" tags and the labels on the edges of this step ------------
  function drawOverlay(step, current) {
    graph.layer.replaceChildren();
    for (const { node } of byId.values()) {
      const shown = graph.nodes.get(node.id);
      if (shown.g.classList.contains("agl-pending")) {
        const { x, y, width } = shown.box;
        tag(x + width - 58, y - 10, 62, 20, "agl-tag-box", "agl-tag", ["partial"]);
      }
    }
    if (step === null || hiddenByQuiz(current)) return;
    const seen = new Map();
    const placed = [];
    for (const send of data.steps[step].sends) {
      const edges = graph.nodes.get(current.id).inputs[send.position];
      const k = seen.get(send.parent) || 0;  // a*a: the first and the second edge from a
      seen.set(send.parent, k + 1);
      const edge = edges.length > k ? edges[k] : edges[0];
      edge.classList.add("agl-sending");
      const width = 12 + 7.6 * Math.max(...send.label.map((line) => line.length));
      const box = labelPlace(edge.querySelector("path"), width, 40, placed);
      placed.push(box);
      tag(box.x, box.y, width, 40, null, null, send.label, "agl-edge-label");
    }
  }

  function labelPlace(path, width, height, placed) {
    // along the edge, from its middle outwards, then further and further above or below
    // it: the first place where the label covers no node and no other label; where there
    // is none (a short edge between two boxes), the place that covers the least of them
    const length = path.getTotalLength();
    const candidates = [];
    for (const shift of [0, -0.6, 0.6, -1.2, 1.2, -1.8, 1.8]) {
      for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
        const point = path.getPointAtLength(length * t);
        candidates.push({ x: point.x - width / 2, y: point.y - height / 2 + shift * height,
          width, height });
      }
    }
    const taken = graph.obstacles.concat(placed);
    const covered = (c) => taken.reduce((sum, o) => sum + overlap(c, o), 0);
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

  function tag(x, y, width, height, boxClass, textClass, lines, groupClass) {
    const g = document.createElementNS(SVG_NS, "g");
    if (groupClass) g.setAttribute("class", groupClass);
    const rect = document.createElementNS(SVG_NS, "rect");
    for (const [name, value] of [["x", x], ["y", y], ["width", width], ["height", height],
      ["rx", 4]]) rect.setAttribute(name, value);
    if (boxClass) rect.setAttribute("class", boxClass);
    g.appendChild(rect);
    lines.forEach((line, i) => {
      const text = document.createElementNS(SVG_NS, "text");
      text.setAttribute("x", x + width / 2);
      text.setAttribute("y", y + (height / lines.length) * (i + 0.5) + 5);
      text.setAttribute("text-anchor", "middle");
      if (textClass) text.setAttribute("class", textClass);
      text.textContent = line;
      g.appendChild(text);
    });
    graph.layer.appendChild(g);
  }

  // --- caption, quiz, inspector ----------------------------------------------------------
  function renderCaption(step, current) {
    ui.caption.classList.toggle("agl-forward", step === null);
    let lines;
    if (step === null) {
      lines = ["Forward: " + current.forward];
    } else if (hiddenByQuiz(current)) {
      lines = [`Quiz: what is ${current.quiz.question}, the gradient of the highlighted node?`];
    } else {
      lines = data.steps[step].caption;
    }
    ui.caption.replaceChildren(...lines.map((line) => {
      const div = document.createElement("div");
      div.textContent = line;
      return div;
    }));
  }

  function renderQuiz(step, current) {
    const asking = ui.quizOn.checked && step !== null;
    ui.quiz.hidden = !asking;
    if (!asking) return;
    ui.question.textContent = current.quiz.question;
    const answered = state.answered.get(current.id);
    ui.answer.disabled = ui.reveal.disabled = Boolean(answered);
    ui.quiz.querySelector(".agl-check").disabled = Boolean(answered);
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

  function currentNode() {
    const step = backwardStep(state.position);
    return step === null ? data.nodes[state.position] : byId.get(data.steps[step].node).node;
  }

  function renderInspector() {
    ui.inspector.hidden = state.inspected === null;
    if (state.inspected === null) return;
    const node = byId.get(state.inspected).node;
    const step = backwardStep(state.position);
    const body = [el("h3", node.formula), el("p", `value ${node.data}`)];
    if (node.op) {
      body.push(el("h4", "Inputs"), list(node.parents.map((p) => {
        const parent = byId.get(p).node;
        return `${parent.name} = ${parent.data}`;
      })));
      body.push(el("h4", "Local derivatives"),
        list(node.locals.map((d) => `${d.derivative} = ${d.formula} = ${d.value}`)));
    }
    body.push(el("h4", `Gradient ${node.quiz.question}`));
    const grad = gradAt(node, step);
    if (step === null) {
      body.push(el("p", "computed in the backward pass, after the forward pass"));
    } else if (grad.status !== "unreached" && hiddenByQuiz(node)) {
      body.push(el("p", "hidden until you answer it (quiz mode)"));
    } else if (node.id === data.root) {
      body.push(el("p", `${node.quiz.question} = 1: the walk starts here`));
    } else {
      body.push(el("p", `the sum over its ${node.terms.length} use(s), ` +
        `∂${data.rootName}/∂child · ∂child/∂${node.name}:`));
      const items = node.terms.map((t) => {
        const sent = t.step <= step;
        const item = el("li", `from ${t.childName}: (${t.upstream})·(${t.local}) = ${t.amount}` +
          (sent ? "" : "  (not sent yet)"));
        if (!sent) item.className = "agl-not-yet";
        return item;
      });
      body.push(listOf(items));
      body.push(el("p", grad.status === "unreached" ? "no term has been sent yet"
        : grad.status === "pending" ? `so far: ${grad.text} (partial)`
          : `${node.quiz.question} = ${grad.text} (final)`));
    }
    ui.inspectorBody.replaceChildren(...body);
  }

  function el(tag, text) {
    const element = document.createElement(tag);
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

  // --- moving ---------------------------------------------------------------------------
  function go(position) {
    state.position = Math.max(0, Math.min(last, position));
    render();
  }

  function play() {
    if (state.timer !== null) {
      stop();
      return;
    }
    if (state.position === last) go(0);
    state.timer = setInterval(() => {
      if (state.position >= last) stop();
      else go(state.position + 1);
    }, PLAY_INTERVAL_MS);
    ui.play.textContent = "❚❚ Pause";
  }

  function stop() {
    clearInterval(state.timer);
    state.timer = null;
    ui.play.textContent = "▶ Play";
  }

  ui.prev.addEventListener("click", () => go(state.position - 1));
  ui.next.addEventListener("click", () => go(state.position + 1));
  ui.home.addEventListener("click", () => go(0));
  ui.end.addEventListener("click", () => go(last));
  ui.play.addEventListener("click", play);
  ui.slider.addEventListener("input", () => go(Number(ui.slider.value)));
  ui.quizOn.addEventListener("change", render);
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
  root.querySelector(".agl-close").addEventListener("click", () => {
    state.inspected = null;
    render();
  });
  for (const { g } of graph.nodes.values()) {
    g.addEventListener("click", () => {
      state.inspected = g.dataset.node;
      render();
    });
  }
  root.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.tagName === "INPUT" && target !== ui.quizOn) return;  // typing, or the slider
    const moves = { ArrowLeft: -1, ArrowRight: 1 };
    if (event.key in moves) go(state.position + moves[event.key]);
    else if (event.key === "Home") go(0);
    else if (event.key === "End") go(last);
    else return;
    event.preventDefault();
    event.stopPropagation();  // in Jupyter, the notebook does not act on the key too
  });
  render();
  if (document.body.classList.contains("agl-page")) root.focus();
}
