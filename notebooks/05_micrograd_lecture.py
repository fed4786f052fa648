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
# # 5. micrograd's lecture, on autograd-lite
#
# Andrej Karpathy's lecture *The spelled-out intro to neural networks and backpropagation*
# builds micrograd step by step: an expression, a neuron, a picture of the graph, a small
# multi-layer perceptron, and a demo that separates two moons. This notebook runs the same
# code with one change, the import:
#
# ```python
# from autograd_lite import Value        # instead of the lecture's own class
# from nets import MLP, Layer, Neuron    # instead of micrograd.nn
# ```
#
# What carries over unchanged: `Value(data, _children=(), _op='', label='')`, `.data`,
# `.grad`, `.label`, `._prev` (the set of a node's inputs), `._op` (its op's symbol),
# `._backward()` (one node's own chain-rule step), `backward()`, an op added the lecture's
# way (a node made by hand with an `_backward` closure), `draw(...).render(name)` writing
# SVG, and `MLP`/`Layer`/`Neuron` drawing their weights from Python's `random` module, so
# `random.seed(1337)` gives micrograd's numbers. `tests/test_lecture.py` runs the
# lecture's cells and compares them with the numbers the lecture shows.
#
# Underneath, a built-in op's node holds no closure: each op's local derivatives live in one
# table (`autograd_lite.ops`), and `_backward()` applies them. A closure you set on a node
# made by hand is called once, when you set it, to learn its local derivative.

# %%
import random
import time

import matplotlib.pyplot as plt
import numpy as np
from micrograd.engine import Value as MicrogradValue
from micrograd.nn import MLP as MicrogradMLP

from autograd_lite import Value, backward_steps, draw
from nets import MLP
from nets.data import two_moons

# %% [markdown]
# ## The lecture's expression
#
# $L = (a \cdot b + c) \cdot f$, with every node labelled as in the lecture.

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
f = Value(-2.0, label="f")
L = d * f
L.label = "L"
print(L)
print("L._op =", repr(L._op), "  L._prev =", sorted(v.label for v in L._prev))

# %%
L.backward()
for v in (a, b, c, e, d, f):
    print(f"dL/d{v.label} = {v.grad}")

# %% [markdown]
# The lecture draws the graph with its own `draw_dot`, which reads `_prev` and `_op`; our
# `draw` reads the same graph and draws each value with its data and gradient, each op as
# a small circle:

# %%
draw(L)

# %% [markdown]
# ## The neuron
#
# The lecture's neuron: two inputs, two weights, a bias chosen so that $n = 0.8814$ and
# $o = \tanh(n) = 0.7071$.

# %%
x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
x1w1x2w2 = x1w1 + x2w2
x1w1x2w2.label = "x1*w1 + x2*w2"
n = x1w1x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"

# %% [markdown]
# The lecture then backpropagates by hand, node by node: `o.grad = 1`, then each node's own
# `_backward()`, root first (a leaf's does nothing):

# %%
o.grad = 1.0
o._backward()
n._backward()
b._backward()
x1w1x2w2._backward()
x2w2._backward()
x1w1._backward()
print(f"x1.grad = {x1.grad:.4f}, w1.grad = {w1.grad:.4f}, x2.grad = {x2.grad:.4f}, "
      f"w2.grad = {w2.grad:.4f} (the lecture's picture: −1.5, 1, 0.5, 0)")

# %% [markdown]
# `backward_steps` makes the same walk one step at a time, saying at each step what every
# gradient is (on fresh gradients: it computes its own, and writes them at its end):

# %%
for v in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o):
    v.grad = 0.0
for step in backward_steps(o):
    print(f"{step.node.label:>14}: grad {step.grad:+.4f}")
print(f"dL/dw1 = {w1.grad:.4f}, dL/dw2 = {w2.grad:.4f} (x2 = 0, so w2 gets nothing)")

# %%
draw(o)

# %% [markdown]
# ## An op added the lecture's way
#
# In the lecture `tanh` is written as a method: it makes its node by hand, with the op's
# inputs as `_children`, and gives it an `_backward` closure. The same code works here as a
# function (autograd-lite's `Value` has its own `tanh`), and the node it makes works with
# `backward()`, `draw` and the rest:

# %%
import math


def lecture_tanh(self):
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = lecture_tanh(n)
o.label = "o"
o.backward()
print(f"o = {o.data:.4f}, dL/dx1 = {x1.grad:.4f}, dL/dw1 = {w1.grad:.4f}")

# %% [markdown]
# ## tanh built from exp
#
# The lecture then writes tanh out, $o = (e - 1)/(e + 1)$ with $e = \exp(2n)$, to show that
# any composition of ops backpropagates to the same gradients. The numbers agree with the
# lecture's picture on every node; the picture does not. The lecture's `Value` builds
# `a - b` as `a + (-b)` and `a / b` as `a * b**-1`, so its drawing has a `**-1` node and a
# constant −1 where autograd-lite records one `−` node and one `/` node (each op is one
# row of the op table, with its own local derivatives).

# %%
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")  # fresh leaves: grads at 0
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
e = (2 * n).exp()
o = (e - 1) / (e + 1)
o.label = "o"
o.backward()
print(f"o = {o.data:.4f}, dL/dx1 = {x1.grad:.4f}, dL/dw1 = {w1.grad:.4f} (as with tanh)")
draw(o)

# %% [markdown]
# ## `backward()` twice
#
# `backward()` *adds* to every `.grad`, as in PyTorch, so calling it twice doubles every
# gradient, the root's included. micrograd resets the root's grad to 1 first and then adds
# each node's accumulated grad again, so its inner nodes count twice and its leaves more:

# %%
for engine in (Value, MicrogradValue):
    a = engine(1.0)
    c = (a * 2) * 3
    c.backward()
    c.backward()
    print(f"{engine.__module__:>18}: c.grad = {c.grad}, a.grad = {a.grad} (once: 1 and 6)")

# %% [markdown]
# Set `.grad = 0.0` (or call `zero_grad()`) before each `backward()`, as the training loops
# below do.
#
# ## A small MLP, as in the lecture
#
# The lecture's network is `MLP(3, [4, 4, 1])`, trained on four examples by gradient
# descent on the squared error. The video's `MLP` is not quite micrograd's `nn.py`: its
# neurons draw their bias from $U(-1, 1)$ too (right after their weights), and every layer,
# the last included, has tanh. micrograd's `nn.py` (and `nets.MLP` by default) starts the
# biases at 0, uses ReLU, and makes the last layer linear. Two options give the lecture's:
# `random_bias=True` and `last_linear=False`. So its predictions stay inside $(-1, 1)$,
# as the targets $\pm 1$ ask. (The lecture does not seed `random`; with a seed, the run
# can be repeated.)

# %%
random.seed(1337)
net = MLP(3, [4, 4, 1], nonlin="tanh", random_bias=True, last_linear=False)
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]  # desired targets
for k in range(20):
    ypred = [net(x) for x in xs]  # forward pass
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    for p in net.parameters():  # backward pass
        p.grad = 0.0
    loss.backward()
    for p in net.parameters():  # update
        p.data += -0.05 * p.grad
    if k % 5 == 4:
        print(k, round(loss.data, 6))
print("predictions:", [round(y.data, 3) for y in ypred])

# %% [markdown]
# ## micrograd's demo: two moons
#
# micrograd's `demo.ipynb` trains `MLP(2, [16, 16, 1])` on 100 points of two-moons with a
# hinge ("max-margin") loss, L2 regularization and a learning rate falling from 1.0. It
# draws the moons with scikit-learn; here they come from `nets.data`. The loop below is the
# demo's, run on either engine. With `random.seed(1337)` both start from the same weights,
# so the two runs must print the same losses.

# %%
X, y = two_moons(100, seed=1337, noise=0.1)
y = y * 2 - 1  # make y be -1 or 1


def demo(Value, MLP, steps):
    """micrograd's demo loop; returns the model and the (loss, accuracy) of every step."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))  # forward the model to get scores
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]  # svm loss
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4  # L2 regularization
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        total_loss, acc = loss()  # forward
        model.zero_grad()  # backward
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100  # update (sgd)
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((float(total_loss.data), acc))
    return model, history


def timed(engine, steps):
    start = time.perf_counter()
    model, history = demo(*engine, steps)
    return model, history, time.perf_counter() - start


# %% [markdown]
# Five steps on each engine, in this run, on this machine (the tests compare ten):

# %%
STEPS = 5
_, theirs, t_micrograd = timed((MicrogradValue, MicrogradMLP), STEPS)
_, ours, t_ours = timed((Value, MLP), STEPS)
for k, ((l_ours, acc), (l_theirs, _)) in enumerate(zip(ours, theirs)):
    print(f"step {k}: loss {l_ours:.12f} (micrograd {l_theirs:.12f}), accuracy {acc:.0%}")
gap = max(abs(p - q) for (p, _), (q, _) in zip(ours, theirs))
print(f"largest difference in the loss: {gap:.1e}")
print(f"{STEPS} steps: micrograd {t_micrograd:.2f} s, autograd-lite {t_ours:.2f} s "
      f"({t_micrograd / t_ours:.1f}× faster)")
assert gap < 1e-12

# %% [markdown]
# The losses agree to the last few bits: the same graph, the same arithmetic, only the
# order in which each gradient's terms are summed can differ. The full demo is 100 steps;
# on autograd-lite it takes a few seconds:

# %%
model, history, seconds = timed((Value, MLP), 100)
print(f"100 steps in {seconds:.1f} s: loss {history[-1][0]:.4f}, accuracy {history[-1][1]:.0%}")

h = 0.25
x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
scores = [model([float(u), float(v)]).data for u, v in zip(xx.ravel(), yy.ravel())]
Z = (np.array(scores) > 0).reshape(xx.shape)
fig, ax = plt.subplots(figsize=(5, 4))
ax.contourf(xx, yy, Z, cmap=plt.cm.Spectral, alpha=0.8)
ax.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap=plt.cm.Spectral, edgecolors="k", linewidths=0.3)
ax.set(xlim=(xx.min(), xx.max()), ylim=(yy.min(), yy.max()),
       title="micrograd's demo, trained with autograd-lite")
plt.show()
