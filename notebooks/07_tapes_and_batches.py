# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. Tapes and batches: trace once, replay many
#
# Every `Value` operation builds a node: for one example of the feature-discovery network
# that is a few hundred Python objects, made and freed again for every example, every
# epoch. Yet the graph is the *same* for every example: only the numbers at its leaves
# change. Put the nodes in topological order and the graph is a straight list of
# instructions, each reading earlier results: a **tape** (also called a Wengert list).
# Real frameworks work this way (a PyTorch `torch.fx` graph, a JAX `jaxpr`).
#
# `autograd_lite.trace(fn, inputs, params)` records that list from the graph `fn` builds
# for one example. `inputs` are the leaves that change per example (the features $x_i$ and
# the target $y$), `params` the ones being trained ($W_{ij}$, $w_j$); every other leaf is a
# constant. (`trace(root, inputs, params)` records a graph already built, but then cannot
# check the other examples: see below.)

# %%
import time

import numpy as np

from autograd_lite import Value, trace
from nets import Adam, FeatureDiscoveryNet, train
from nets.data import two_moons
from nets.losses import class_targets

net = FeatureDiscoveryNet.from_weights([[0.5, -1.0], [1.5, 0.4], [-0.3, 0.2]], [0.8, -1.2],
                                       loss="logistic")
x = [Value(1.0, label="x[0]"), Value(2.0, label="x[1]"), Value(1.0, label="x[2]")]
y = Value(1.0, label="y")

def example_loss(x0, x1, x2, y):
    return net.forward([x0, x1, x2], y).l  # the loss; l is the notes' name for it


program = trace(example_loss, inputs=[*x, y], params=net.parameters())
print(program)

# %% [markdown]
# Each line is one op of the table, written with the slots it reads: `v14 = mul(v4, v0)` is
# $W_{00}\,x_0$, and the comment gives the labels. The logistic loss's factor $1 - 2y$
# (`v12`, `v13`) is not a constant here: $y$ is an input, so it is computed per example.
#
# ## Replaying a batch
#
# `program.run(X)` replays the list on a whole batch: `X` has one row per example (here
# the three features and the target), every value becomes a numpy array with one number
# per example, and each instruction is one numpy call (or one call per group of
# independent instructions of the same op, for small batches). The backward pass walks
# the list in reverse with each op's local derivatives, taken from the same op table the
# scalar engine uses. The result: the loss for each example, and the gradient of their
# sum.

# %%
X = np.array([[1.0, 2.0, 1.0, 1.0], [-0.5, 0.3, 1.0, 0.0], [2.0, -1.0, 1.0, 1.0]])
losses, grads = program.run(X)
print("losses", np.round(losses, 6))

net.zero_grad()  # the same, one scalar graph per example, gradients accumulating
for row in X:
    net.loss(row[:3], row[3]).backward()
by_hand = np.array([p.grad for p in net.parameters()])
net.zero_grad()
print("largest difference from the scalar engine:", np.max(np.abs(grads - by_hand)))

# %% [markdown]
# For a single example, the same list becomes straight-line Python: the op table's rules,
# run on symbols instead of numbers, write themselves out as code.

# %%
print("\n".join(program.python_source().splitlines()[:12]), "\n    ...")

# %% [markdown]
# **What cannot be traced.** Only the graph's structure is recorded. A ReLU is one op
# whichever side of zero its input falls, so it traces fine. A Python `if` on a value
# (`if r.data > 0: ...`) does not: the program would replay the branch the traced
# example took, for every example. A graph cannot show the branches that built it, but
# the function that built it can be run again: a program traced from a function builds
# a few examples of every batch again (the first, the last, one at random; `check=` sets
# how many) and stops when one builds a different graph.

# %%
w = Value(0.5, label="w")


def branching(x):
    r = w * x
    return r.tanh() if r.data > 0 else r  # a Python if on the data


branchy = trace(branching, inputs=[Value(1.0, label="x")], params=[w])
try:
    branchy.run([[1.0], [2.0], [-3.0]])
except ValueError as e:
    print(e)
#
# ## The speed-up in training
#
# `train(..., compiled=True)` traces the network once and trains through the program.
# The losses and weights are the scalar engine's (to about 1e-15 here; they add the
# batch's gradients in a different order).

# %%
Xm, labels = two_moons(200, seed=0, constant_feature=True)
Y = class_targets(labels, "logistic")
results = {}
for compiled in (False, True):
    model = FeatureDiscoveryNet(3, 16, loss="logistic", seed=0)
    start = time.perf_counter()
    history = train(model, Xm, Y, Adam(model.parameters(), lr=0.05), epochs=20,
                    batch_size=20, progress=False, compiled=compiled)
    results[compiled] = (time.perf_counter() - start, history.loss[-1],
                         np.array([p.data for p in model.parameters()]))

(t_scalar, loss_scalar, w_scalar), (t_program, loss_program, w_program) = results.values()
print(f"scalar engine: {t_scalar:.2f} s   program: {t_program:.2f} s   "
      f"speed-up {t_scalar / t_program:.1f}×")
print(f"final loss {loss_scalar:.6f} vs {loss_program:.6f}; "
      f"largest weight difference {np.max(np.abs(w_scalar - w_program)):.1e}")

# %% [markdown]
# ## Neurons become matrices
#
# One numpy call per instruction still replays a *scalar* graph: 256 multiplications that
# are one matrix product cost 256 calls. But a net's tape is made of neurons: a sum
# $b + \sum_k w_k u_k$ of products of a parameter and a value, then a ReLU (or tanh, or
# sigmoid). `program.layers()` shows the neurons the program found in its instructions,
# grouped into layers (neurons with the same inputs), in the notes' notation, and the
# instructions that stayed scalar: here an MLP 2-16-16-1 with the hinge loss.

# %%
from functools import partial

from nets import MLP
from nets.losses import hinge_loss


def mlp_loss(model, x0, x1, y):
    return hinge_loss(model([x0, x1]), y)


mlp = MLP(2, [16, 16, 1], seed=0)
leaves = [Value(0.5, label="x[0]"), Value(-0.2, label="x[1]"), Value(1.0, label="y")]
mlp_program = trace(partial(mlp_loss, mlp), inputs=leaves, params=mlp.parameters())
print(mlp_program.layers())

# %% [markdown]
# Each layer of $n$ neurons over $m$ inputs runs, for a batch of $B$ examples (a column
# each), as $\tilde r = W\cdot U + b$ and $\hat x = \mathrm{relu}(\tilde r)$, and backward as
# two products: $\partial l/\partial W = (\partial l/\partial \tilde r)\,U^\top$ (summed over
# the batch) and $\partial l/\partial U = W^\top\,(\partial l/\partial \tilde r)$, with
# $\partial l/\partial \tilde r = \mathrm{relu}'(\tilde r) \circ \partial l/\partial \hat x$ from
# the op table. That is `how="layers"`, which `run` picks by itself when it finds layers.
# It is prepared once per batch size: float64 buffers and the list of numpy calls that run
# on them, 21 for this net (the bias folded in as a row of ones under $U$, so that
# $W\cdot U + b$ is one product). The same numbers, measured here (one thread; the best of
# 5), the replays timed alone (`check=0`): by default `run` also builds 3 examples of the
# batch again with the function, to check they make the same graph, which costs more
# than the replay itself at this size.

# %%
import os  # noqa: E402

Xm2, labels2 = two_moons(1000, seed=0)
batch = np.column_stack([Xm2, 2.0 * labels2 - 1.0])


def best_time(f, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


each = best_time(lambda: mlp_program.run(batch, how="each", check=0))
layers = best_time(lambda: mlp_program.run(batch, how="layers", check=0))
checked = best_time(lambda: mlp_program.run(batch))
v_each, g_each = mlp_program.run(batch, how="each")
v_layers, g_layers = mlp_program.run(batch, how="layers")
print(f"B = 1,000: one numpy call per instruction {each * 1e3:.1f} ms, layers "
      f"{layers * 1e3:.2f} ms: {each / layers:.0f}× faster")
print(f"run(batch) as called by default (layers, 3 examples checked): {checked * 1e3:.1f} ms")
print(f"largest difference: values {np.max(np.abs(v_each - v_layers)):.1e}, gradients "
      f"{np.max(np.abs(g_each - g_layers) / np.abs(g_each).max()):.1e} of the largest")
print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores while this ran)")
