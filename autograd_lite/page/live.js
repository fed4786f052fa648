// The step-through page after a what-if edit: the page's data with every number computed
// again (by whatif.js's walk on ops.js's arithmetic) and written by aglWhatIf.formatNumber
// as format_number writes it. The sentences are the page's own (script.py's): only their
// numbers change. A step's caption line is a list of segments: a send line is
// [text, ∂L/∂node, ")·(local) = ", the amount sent], a leaf's [text, ∂L/∂leaf, text].
// The inspector's terms of each gradient and its chain rule over all paths are recomputed
// too, from the same walk: a ReLU turned off (or on) moves its paths across the separator.
//
// aglLive.recompute(data, model, values) → {ok: true, nodes, steps, values, grads} (copies
// of data.nodes and data.steps holding the new numbers, and the raw numbers by node index)
// or {ok: false, message}.
const aglLive = (function () {
  "use strict";

  const WHAT = { constant: "a constant", input: "an input", param: "a weight", root: "the output" };

  function recompute(data, model, values) {
    const result = model.run(values);
    if (!result.ok) return { ok: false, message: result.message };
    const texts = new Map();  // each number written once: a local derivative is a factor
    const f = (x) => {         // of many paths, a gradient in many lines
      if (!texts.has(x)) texts.set(x, aglWhatIf.formatNumber(x, data.fmt || ".4g"));
      return texts.get(x);
    };
    const index = new Map(data.nodes.map((node, k) => [node.id, k]));
    const record = new Map(result.steps.map((s) => [data.nodes[s.node].id, s]));
    const uses = new Map();  // how many contributions each node receives in all
    for (const step of data.steps) {
      for (const send of step.sends) uses.set(send.parent, (uses.get(send.parent) || 0) + 1);
    }
    const received = new Map();
    const grads = new Map(data.nodes.map((node) => [node.id, []]));
    const steps = data.steps.map((step, i) => {
      const node = data.nodes[index.get(step.node)];
      const walk = record.get(step.node);
      if (step.node === data.root) grads.get(step.node).push([i, "1", "final"]);
      const sends = step.sends.map((send, k) => {
        const sent = walk.sends[send.position];
        received.set(send.parent, (received.get(send.parent) || 0) + 1);
        const status = received.get(send.parent) === uses.get(send.parent) ? "final" : "pending";
        const list = grads.get(send.parent);
        if (list.length && list[list.length - 1][0] === i) list.pop();  // a*a: one entry a step
        list.push([i, f(sent.sum), status]);
        const { formula, value } = node.locals[send.position];
        const local = f(sent.local);
        const by = formula !== value ? `${formula} = ` : "";
        return {
          send: { ...send, labelParts: [[`local ${by}${local}`], ["adds ", f(sent.amount)]] },
          line: [f(walk.grad), `)·(${by}${local}) = `, f(sent.amount)],
        };
      });
      const first = step.node === data.root ? 1 : 0;
      const parts = step.parts.map((line, k) => {
        if (k < first) return line;
        if (sends.length === 0) return [line[0], f(walk.grad), line[2]];
        return [line[0], ...sends[k - first].line];
      });
      return { ...step, parts, sends: sends.map(({ send }) => send) };
    });
    const v = result.values;
    const nodes = data.nodes.map((node, k) => {
      const inputs = node.parents.map((p) => `${data.nodes[index.get(p)].name} = ${f(v[index.get(p)])}`);
      return {
        ...node, value: v[k], data: f(v[k]), grads: grads.get(node.id), quiz: null,
        terms: node.terms && node.terms.map((term) => {  // the child's step sent it
          const walk = record.get(term.child);
          const sent = walk.sends[term.position];
          return { ...term, upstream: f(walk.grad), local: f(sent.local), amount: f(sent.amount) };
        }),
        paths: node.paths && node.paths.map((path) => chainPath(path, data, index, result, f)),
        forward: node.op === null ? `${node.name} = ${f(v[k])}: ${WHAT[node.kind] || "a leaf"}`
          : `${node.formula} = ${f(v[k])}, where ${inputs.join(", ")}`,
        locals: (node.locals || []).map((d, i) => ({ ...d, value: f(result.locals[k][i]) })),
      };
    });
    return { ok: true, nodes, steps, values: v, grads: result.grads };
  }

  // One path of the chain rule over all paths, as explain writes it, on the new numbers:
  // the product of the local derivatives along it (Python's math.prod, in its order; an
  // addition's factor 1 is not written), and whether a ReLU on it after its first node is
  // now off, so that the path carries 0.
  function chainPath(path, data, index, result, f) {
    let product = 1;
    const written = [];
    let off = false;
    path.positions.forEach((position, k) => {
      const child = index.get(path.nodes[k + 1]);
      const local = result.locals[child][position];
      product *= local;
      const op = data.nodes[child].op;
      if (op !== "add") written.push(`(${f(local)})`);
      if (op === "relu" && result.values[index.get(data.nodes[child].parents[0])] <= 0) off = true;
    });
    return { ...path, product: written.length ? written.join("·") : "1", value: f(product), off };
  }

  return { recompute };
})();
