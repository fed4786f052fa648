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
# # 1. Values and the chain rule
#
# A `Value` is a number that remembers how it was computed. Every arithmetic operation on
# `Value`s makes a new node that holds the result (`data`), the operation (`op`) and its
# inputs (`parents`). The nodes form a **computation graph**; backpropagation walks it
# backwards and fills in each node's `grad`, the derivative of the final output with
# respect to that node.
#
# We build a small expression, draw it, derive its gradients by hand, and then watch
# `backward()` compute the same numbers one node at a time.

# %%
from autograd_lite import Value, backward_steps, draw, gradcheck, player

# %% [markdown]
# ## The expression
#
# $$L = (a \cdot b + c)\cdot \tanh(a), \qquad a = 0.8,\; b = -1.5,\; c = 2.$$
#
# Name the intermediate results: $e = a b$, $d = e + c$, $t = \tanh a$, $L = d\,t$.

# %%
a = Value(0.8, label="a")
b = Value(-1.5, label="b")
c = Value(2.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
t = a.tanh()
t.label = "t"
L = d * t
L.label = "L"
print(L)
draw(L)

# %% [markdown]
# Each box is a value (its label, `data` and `grad`), each circle an operation. All the
# grads are 0: nothing has been differentiated yet. Note that `a` feeds two operations;
# its gradient will be the sum of what comes back along both edges.
#
# ## The gradients, by hand
#
# Each operation knows only its **local derivatives**:
#
# | node | local derivatives |
# |---|---|
# | $L = d\,t$ | $\partial L/\partial d = t$, $\partial L/\partial t = d$ |
# | $d = e + c$ | $\partial d/\partial e = 1$, $\partial d/\partial c = 1$ |
# | $e = a\,b$ | $\partial e/\partial a = b$, $\partial e/\partial b = a$ |
# | $t = \tanh a$ | $\partial t/\partial a = 1 - t^2$ |
#
# The chain rule multiplies them along each path from a node to $L$ and sums over paths:
#
# $$\frac{\partial L}{\partial a} = \underbrace{t \cdot 1 \cdot b}_{a \to e \to d \to L}
#   + \underbrace{d\,(1 - t^2)}_{a \to t \to L}, \qquad
#   \frac{\partial L}{\partial b} = t \cdot a, \qquad \frac{\partial L}{\partial c} = t.$$

# %%
import math

t_ = math.tanh(0.8)
d_ = 0.8 * -1.5 + 2.0
by_hand = {
    "L": 1.0,
    "d": t_,
    "t": d_,
    "e": t_,
    "c": t_,
    "a": t_ * -1.5 + d_ * (1 - t_**2),
    "b": t_ * 0.8,
}
for name, value in by_hand.items():
    print(f"∂L/∂{name} = {value: .6f}")

# %% [markdown]
# ## Backward, one node at a time
#
# `backward()` orders the nodes so that every node comes after everything computed from
# it, then visits them from $L$ down. At each node, its gradient is complete (all its
# uses have reported back), and it sends each parent *local derivative × its gradient*.
# `backward_steps` does exactly this, but pauses after each node so we can look.

# %%
steps = backward_steps(L)
step = next(steps)
print(f"handled {step.node.label}: grad {step.grad}")
for parent, local, sent in step.contributions:
    print(f"  sent {parent.label}: {local:.4f} × {step.grad} = {sent:.4f}")
draw(L, step=step)

# %% [markdown]
# The red node is the one just handled. Its parents now hold what it sent. A node that
# nothing has reached yet shows no number: its gradient is not 0, it is not known yet.
# Next:

# %%
step = next(steps)
print(f"handled {step.node.label}: grad {step.grad:.4f}")
for parent, local, sent in step.contributions:
    print(f"  sent {parent.label}: {local:.4f} × {step.grad:.4f} = {sent:.4f}")
draw(L, step=step)

# %% [markdown]
# And the rest of the walk. `a` receives twice: once from `e` and once from `t`; its
# gradient is complete only when both have reported.

# %%
for step in steps:
    sends = ", ".join(f"{p.label}: {s:+.4f}" for p, _, s in step.contributions)
    print(f"handled {step.node.label}: grad {step.grad: .4f}, sent {sends or 'nothing (a leaf)'}")

# %% [markdown]
# ## The whole walk, step by step, in the page
#
# `player(L)` shows the same walk as a page you can step through: first the forward pass
# (each node appears with its value, in the order it is computed), then the backward pass,
# one node per step. At each step the caption writes out the chain rule for what is sent,
# keeping the *local* derivative (such as ∂(a·b)/∂a = b) apart from the gradient ∂L/∂a;
# the edges into the highlighted node say `local … , adds …`, and a gradient that is still
# a partial sum (`a`, after `t` has reported and before `e` has) is marked *partial*. Use
# the buttons, the slider, or the ← → keys; zoom and pan the graph; click a node to see its
# gradient term by term and every path from it to L. Tick *Quiz mode* to type each
# gradient yourself: nothing on the page shows it before you do, and a wrong answer is
# told which factor is off. On a network, `player(loss, params=net.parameters())` also
# has the notes' level, a step per unit of a layer.
#
# Every number on the page is the engine's own, written into the page by Python;
# `save_html(L, "walk.html")` writes it as one file that opens in a browser with no
# internet.

# %%
player(L)

# %% [markdown]
# Every gradient now matches the hand derivation:

# %%
nodes = {"L": L, "d": d, "t": t, "e": e, "c": c, "a": a, "b": b}
for name, node in nodes.items():
    print(f"∂L/∂{name}: engine {node.grad: .12f}   by hand {by_hand[name]: .12f}")
    assert abs(node.grad - by_hand[name]) < 1e-12

# %% [markdown]
# ## A check that needs no derivation: finite differences
#
# For any function of a few numbers, nudging one input by $\pm\varepsilon$ estimates the
# derivative: $\partial L/\partial a \approx (L(a + \varepsilon) - L(a - \varepsilon)) /
# 2\varepsilon$, with an error of order $\varepsilon^2$. `gradcheck` compares that with
# autodiff for every input.

# %%
result = gradcheck(lambda a, b, c: (a * b + c) * a.tanh(), [0.8, -1.5, 2.0])
print(result)
assert result

# %% [markdown]
# ## Gradients accumulate
#
# `backward()` *adds* to `.grad`, as in PyTorch: running it again doubles every
# gradient. That is what makes a node used twice come out right (each use adds its part),
# and it is why training loops call `zero_grad()` before each step.

# %%
L.backward()
print(f"after a second backward: ∂L/∂a = {a.grad:.6f} = 2 × {by_hand['a']:.6f}")
L.zero_grad()
print(f"after zero_grad: ∂L/∂a = {a.grad}")
