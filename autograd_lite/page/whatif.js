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
    const ops = nodes.map((node) => (node.op !== null && Object.hasOwn(AGL_OPS, node.op)
      ? AGL_OPS[node.op] : null));
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
    if (data.whatif && data.whatif.missing.length) {  // named when the page was built
      model.ok = false;
      model.note = data.whatif.missing.join(" ");
    } else if (missing.length) {
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

  // --- numbers as the page shows them ---------------------------------------------------

  // |x| exactly, as decimal digits (no leading zeros) and the place of the decimal point:
  // x = 0.digits × 10^point. A double is m·2^e, so it has a finite decimal expansion.
  function exactDecimal(x) {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, Math.abs(x));
    const bits = view.getBigUint64(0);
    const biased = Number(bits >> 52n);
    const m = (bits & 0xfffffffffffffn) | (biased ? 1n << 52n : 0n);
    const e = (biased || 1) - 1075;
    const digits = (e >= 0 ? m << BigInt(e) : m * 5n ** BigInt(-e)).toString();
    const point = digits.length + Math.min(e, 0);
    const kept = digits.replace(/0+$/, "");
    return {digits: kept, point};
  }

  // The digits rounded to `keep` of them, a tie to the even one (as Python rounds).
  function rounded({digits, point}, keep) {
    if (keep < 0) return {digits: "", point};
    if (digits.length <= keep) return {digits: digits.padEnd(keep, "0"), point};
    const rest = digits.slice(keep);
    const last = keep ? Number(digits[keep - 1]) : 0;
    const up = rest[0] > "5" || (rest[0] === "5" && (rest.length > 1 || last % 2 === 1));
    let head = digits.slice(0, keep);
    if (!up) return {digits: head, point};
    head = (BigInt("1" + head) + 1n).toString().slice(1);  // "1" keeps the leading zeros
    if (!/^0*$/.test(head)) return {digits: head, point};
    return {digits: "1" + head.slice(0, Math.max(keep - 1, 0)), point: point + 1};  // 9.99 → 10.0
  }

  // Fixed-point text of the first digits: `decimals` after the point.
  function fixed({digits, point}, decimals) {
    const whole = point > 0 ? digits.slice(0, point).padEnd(point, "0") : "0";
    const fraction = (point < 0 ? "0".repeat(-point) + digits : digits.slice(Math.max(point, 0)))
      .padEnd(decimals, "0").slice(0, decimals);
    return decimals ? `${whole}.${fraction}` : whole;
  }

  function exponential({digits, point}, decimals) {
    const exponent = point - 1;
    const mantissa = decimals ? `${digits[0]}.${digits.slice(1, decimals + 1)}` : digits[0];
    const sign = exponent < 0 ? "−" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }

  // format_number(x, fmt) of autograd_lite.drawing for fmt ".<p>g", ".<p>f" or ".<p>e":
  // Python's format(x, fmt), a true minus sign, no negative zero.
  function formatNumber(x, fmt = ".4g") {
    const spec = /^\.(\d+)([efg])$/.exec(fmt);
    if (!spec) throw new Error(`formatNumber: fmt must be ".<digits>e", "f" or "g", got ${fmt}`);
    const p = Number(spec[1]);
    const exact = x === 0 ? {digits: "", point: 1} : exactDecimal(x);
    let text;
    if (spec[2] === "f") {
      text = fixed(rounded(exact, exact.point + p), p);
    } else if (spec[2] === "e") {
      const r = rounded(exact, p + 1);
      text = exponential(x === 0 ? {digits: "0".repeat(p + 1), point: 1} : r, p);
    } else {
      const q = Math.max(p, 1);
      const r = x === 0 ? {digits: "0", point: 1} : rounded(exact, q);
      const exponent = r.point - 1;
      text = -4 <= exponent && exponent < q
        ? fixed(r, Math.max(q - 1 - exponent, 0)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "")
        : exponential(r, q - 1).replace(/\.?0+e/, "e");
    }
    return (x < 0 && text !== "" ? "−" : "") + text;
  }

  return {create, formatNumber};
})();
