// The step-through page's live what-if: after the student edits inputs or weights, every
// value and gradient of the graph is computed again, here in the browser; and a gradient
// step w ← w − η·∂L/∂w moves the weights.
//
// The arithmetic is AGL_OPS (ops.js, generated from the op table ops.py); this file only
// walks the graph as the engine does. Forward: each node in topological order (the order
// of data.nodes), its value and local derivatives from its op. Backward: ∂L/∂L = 1, then
// each node from the root back sends ∂L/∂node · local to its inputs, the first input
// first, so that every sum is made in backward()'s order and gives backward()'s number.
// Where ops.py would raise (log of a negative, an overflow), the result is not a finite
// number: the run stops there and says which op failed, on which inputs, and its domain.
//
// aglWhatIf.create(data) → a model of the page's graph; model.run(values) recomputes,
// model.step(values, grads, lr) takes a gradient step (see the functions below).
const aglWhatIf = (function () {
  "use strict";

  // A number as an error message shows it (Python's repr for the usual ones).
  function shown(x) {
    return Number.isInteger(x) && Math.abs(x) < 1e16 ? x.toFixed(1) : String(x);
  }

  // The page's graph (data.nodes: {id, name, op, parents, value, kind}) as a model.
  function create(data) {
    const nodes = data.nodes;
    const index = new Map(nodes.map((node, k) => [node.id, k]));
    const parents = nodes.map((node) => node.parents.map((id) => index.get(id)));
    const ops = nodes.map((node) => (node.op === null ? null : AGL_OPS[node.op]));
    const root = index.get(data.root);
    const values0 = Float64Array.from(nodes, (node) => node.value);
    const leaves = [];
    nodes.forEach((node, k) => {
      if (node.parents.length === 0) {
        leaves.push({id: node.id, name: node.name, kind: node.kind, index: k});
      }
    });
    const model = {ok: true, note: "", leaves, values0, run, step};

    const missing = [...new Set(nodes.filter((node, k) => node.op !== null && !ops[k])
      .map((node) => node.op))];
    if (missing.length) {
      model.ok = false;
      model.note = `The page cannot recompute ${missing.join(", ")}: not in the op ` +
        "table it was made with, so its inputs cannot be edited here.";
    } else if (nodes.some((node) => node.context) ||
               parents.some((ps) => ps.some((p) => p === undefined)) ||
               root !== nodes.length - 1) {
      model.ok = false;
      model.note = "This page shows part of the graph, so its inputs cannot be edited here.";
    }

    function failure(k, reason) {
      const node = nodes[k];
      const op = node.op;
      const domain = op && AGL_OPS[op].domain ? `; ${op} needs ${AGL_OPS[op].domain}` : "";
      return {ok: false, node: node.id, op, message: `${node.name}: ${reason}${domain}`};
    }

    function inputs(k, values) {
      return parents[k].map((p) => `${nodes[p].name}=${shown(values[p])}`).join(", ");
    }

    // Every value and gradient for the leaf values in `values` (by node index; only the
    // leaves are read): {ok: true, values, grads, locals, steps} or {ok: false, node, op,
    // message}. steps: the backward walk, root first, as backward_steps: {node, grad,
    // sends: [{parent, position, local, amount, sum: the parent's gradient after it}]}.
    function run(values) {
      if (!model.ok) return {ok: false, node: null, op: null, message: model.note};
      const n = nodes.length;
      const v = new Float64Array(n);
      const locals = new Array(n);
      for (let k = 0; k < n; k++) {
        const op = ops[k];
        if (op === null) {
          v[k] = values[k];
          if (!Number.isFinite(v[k])) return failure(k, `${values[k]} is not a finite number`);
          locals[k] = [];
          continue;
        }
        const xs = parents[k].map((p) => v[p]);
        const y = op.value(...xs);
        if (!Number.isFinite(y)) {
          return failure(k, `${nodes[k].op}(${inputs(k, v)}) is not a finite number`);
        }
        const d = op.derivatives(...xs, y);
        if (!d.every(Number.isFinite)) {
          return failure(k, `${nodes[k].op}(${inputs(k, v)}): its derivative is not defined ` +
                         "there");
        }
        v[k] = y;
        locals[k] = d;
      }
      const grads = new Float64Array(n);
      grads[root] = 1;
      const steps = [];
      for (let k = root; k >= 0; k--) {
        const g = grads[k];
        const sends = parents[k].map((p, position) => {
          const local = locals[k][position];
          const amount = local * g;
          grads[p] += amount;
          return {parent: p, position, local, amount, sum: grads[p]};
        });
        steps.push({node: k, grad: g, sends});
      }
      const k = grads.findIndex((g) => !Number.isFinite(g));
      if (k >= 0) return failure(k, `its gradient ∂L/∂${nodes[k].name} overflows`);
      return {ok: true, values: v, grads, locals, steps};
    }

    // One step of gradient descent on the weights (kind "param"), as nets.SGD takes it:
    // w ← w − lr·∂L/∂w; every other leaf is kept. {ok: true, values} or {ok: false, message}
    // (nothing changed) when lr is not a positive number or a weight would not be finite.
    function step(values, grads, lr) {
      if (!(lr > 0 && Number.isFinite(lr))) {
        return {ok: false, message: `the learning rate must be a positive number, got ${lr}`};
      }
      const next = Float64Array.from(values);
      for (const leaf of leaves) {
        if (leaf.kind !== "param") continue;
        next[leaf.index] = values[leaf.index] - lr * grads[leaf.index];
        if (!Number.isFinite(next[leaf.index])) {
          return {ok: false, message: `${leaf.name} would become ${next[leaf.index]} ` +
                  "(is the learning rate too large?); nothing was changed"};
        }
      }
      return {ok: true, values: next};
    }

    return model;
  }

  return {create};
})();
