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
# # 6. Exercises that check themselves
#
# Each task below has a cell to fill in (replace every `...`) and a checker from
# `nets.exercises` that runs your answer against the engine and says exactly what is
# wrong: which node, the number expected and the number you gave, and which factor of
# the chain rule is off. The expected numbers come from central finite differences
# (`gradcheck`) and from the chain rule as `explain` writes it, never from a formula
# typed in twice. As shipped, the cells hold the unfilled tasks, so every checker answers
# "not answered yet"; some cells also show a typical first attempt and what the checker
# says about it. The solutions are not in this notebook.

# %%
from nets.exercises import check_backward_step, check_local_derivative, check_weight_gradient

# %% [markdown]
# ## Task 1: an op's local derivatives
#
# Every op of the engine is one row of a table: its value, and its *local derivatives*
# $\partial y/\partial a$ (and $\partial y/\partial b$ for two inputs), given the inputs and
# the result $y$. Write the row's derivative for $y = \tanh a$. You may use $y$, which is
# already computed: that is how the table does it.


# %%
def d_tanh(a, y):
    return ...  # ∂y/∂a


print(check_local_derivative("tanh", d_tanh))

# %% [markdown]
# A typical first attempt differentiates $\tanh$ as if it were written in $a$ and forgets
# which variable the formula is in. The checker names the node, both numbers and the
# mistake. It knows the usual ones in every task: a `Value` where its number belongs
# (`b` for `b.data`), a rule taken at the input where it is written in the output, two
# factors swapped, the upstream gradient left out, the sign lost, and `=` where `+=`
# belongs.

# %%
print(check_local_derivative("tanh", lambda a, y: 1 - a**2))

# %% [markdown]
# Now a binary op, $y = a / b$: return the pair $(\partial y/\partial a,\ \partial y/\partial b)$.
# Then try `"sigmoid"` ($y = 1/(1 + e^{-a})$) and `"log"` in the same way.


# %%
def d_div(a, b, y):
    return ..., ...  # (∂y/∂a, ∂y/∂b)


print(check_local_derivative("div", d_div))

# %% [markdown]
# ## Task 2: one node's backward step
#
# In the lecture every node carries a `_backward` function: when the walk reaches the
# node `out`, it sends each input its share of the gradient,
#
# $$\text{input.grad} \mathrel{+}= \frac{\partial\,\text{out}}{\partial\,\text{input}}
#   \cdot \text{out.grad}.$$
#
# Write it for a product `out = a * b` (its inputs are `out.parents`). The checker runs it
# on the node $e = a \cdot b$ of the lecture's $L = (a b + c) f$ when the walk reaches it,
# and on $e = a \cdot a$, where one input is used twice.


# %%
def mul_step(out):
    a, b = out.parents
    a.grad += ...
    b.grad += ...


print(check_backward_step("mul", mul_step))

# %% [markdown]
# A typical first attempt passes the gradient on as an addition would, unchanged. The
# checker says which factor of the chain rule went missing:


# %%
def passes_grad_on(out):
    a, b = out.parents
    a.grad += out.grad
    b.grad += out.grad


print(check_backward_step("mul", passes_grad_on))

# %% [markdown]
# The same for `tanh` (the lecture's neuron, $o = \tanh n$) and for `+`:


# %%
def tanh_step(out):
    (n,) = out.parents
    n.grad += ...


print(check_backward_step("tanh", tanh_step))

# %% [markdown]
# ## Task 3: $\partial l / \partial W_{ij}$ of the feature-discovery network, by hand
#
# The network computes, for an input $x$,
#
# $$\tilde r_j = \sum_i W_{ij} x_i, \qquad \hat x_j = \mathrm{ReLU}(\tilde r_j), \qquad
#   r = \sum_j w_j \hat x_j, \qquad l = (y - r)^2 .$$
#
# Every path from $W_{ij}$ to $l$ passes through $\tilde r_j$, then $\hat x_j$, then $r$,
# so the chain rule factors:
#
# $$\frac{\partial l}{\partial W_{ij}} = \frac{\partial l}{\partial r} \cdot
#   \frac{\partial r}{\partial \hat x_j} \cdot \frac{\partial \hat x_j}{\partial \tilde r_j}
#   \cdot \frac{\partial \tilde r_j}{\partial W_{ij}}.$$
#
# Derive each factor and return the four numbers, $l$'s side first. `t` is the forward
# pass (`t.r.data`, `t.r_tilde[j].data`, `t.x[i].data`; indices from 0), `w` the output
# weights and `y` the target. The checker runs your answer for every weight of a small
# net with one hidden unit on and one off, and compares it factor by factor with
# `explain(t.l, W[i][j])`.


# %%
def dl_dW(t, w, y, i, j):
    dl_dr = ...
    dr_dxhat = ...
    dxhat_drtilde = ...
    drtilde_dW = ...
    return dl_dr, dr_dxhat, dxhat_drtilde, drtilde_dW


print(check_weight_gradient(dl_dW))

# %% [markdown]
# When every checker says "right", compare your factors with `explain(t.l, net.W[i][j])`
# on a net of your own (notebook 2 shows how): it prints the same four factors with their
# numbers. A unit that is off is the case to think about twice.

# %% [markdown]
# ## Task 4: add an op of your own
#
# The engine has no $\sinh$. Add it the lecture's way: a node made by hand,
# `Value(t, (self,), "sinh")`, and its `_backward` closure, which adds
# $\partial y/\partial a \cdot$ `out.grad` to `self.grad`. The engine calls the closure
# once, as you set it, to learn its local derivative (and refuses one that writes `=`
# where `+=` belongs); from then on `backward()`, `grad`, `draw` and the step-through page
# work with your op. The checker compares the gradient `backward()` gets through it with
# finite differences of your own $\sinh$.

# %%
import math

from autograd_lite import Value
from nets.exercises import check_op


def sinh(self):
    out = Value(math.sinh(self.data), (self,), "sinh")

    def _backward():
        self.grad += ... * out.grad  # ∂sinh(a)/∂a · out.grad

    out._backward = _backward
    return out


print(check_op("sinh", sinh))

# %% [markdown]
# A typical first attempt writes the op's own value where its derivative belongs:


# %%
def sinh_first_try(self):
    out = Value(math.sinh(self.data), (self,), "sinh")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


print(check_op("sinh", sinh_first_try))

# %% [markdown]
# The other way adds a row to the op table, as the engine's own ops are written:
# `define_op(name, value, derivatives)`, with the value computed from the input `a` and the
# local derivative from `a` and the result `y`. `define_op` checks the derivative against
# finite differences as you define it; the op is then a `Value` method (`x.sinh()`) that
# works everywhere a built-in op does (second derivatives, traced programs, the op table
# of the docs). The checker defines it, checks it, and takes it out of the table again.

# %%
from nets.exercises import check_defined_op


def d_sinh(a, y):
    return (...,)  # (∂y/∂a,): you may use the input a and the result y


print(check_defined_op("sinh", math.sinh, d_sinh))

# %% [markdown]
# ## Last: your own engine
#
# The lecture's real exercise is writing your own `Value`: `data`, `grad`, `_prev`, `_op`,
# the ops with their `_backward` closures, and `backward()`. `check_engine` grades it: it
# builds a battery of graphs with your class (every op it defines, numbers on either side,
# `a*a`, `x+x`, `(x+x)*x`, a node used by two children, two paths of different lengths, a
# 5,000-deep chain), runs the same graphs on autograd-lite, compares every value and
# gradient, and names the first fault. From the shell: `autograd-lite check-engine
# my_engine.py:Value`.
#
# Here is an engine as a student might first write it. Run the check, read what it says,
# fix the class and run it again.

# %%
from autograd_lite import check_engine


class StudentValue:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, StudentValue) else StudentValue(other)
        out = StudentValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad = out.grad
            other.grad = out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, StudentValue) else StudentValue(other)
        out = StudentValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def tanh(self):
        t = math.tanh(self.data)
        out = StudentValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, visited, stack = [], set(), [(self, False)]
        while stack:  # a depth-first sort with a stack of its own: no recursion limit
            v, done = stack.pop()
            if done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in v._prev)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


print(check_engine(StudentValue))

# %% [markdown]
# micrograd's own `Value` passes; the check adds a note on what it cannot do:

# %%
from micrograd.engine import Value as MicrogradValue

print(check_engine(MicrogradValue))
