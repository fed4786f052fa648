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
