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
# # 2. The feature-discovery network, derived and checked
#
# The lecture notes derive the gradient of a small network's loss by hand. This notebook
# follows the derivation step by step and evaluates every formula twice: **by hand**, in
# numpy, exactly as written (`nets.manual`, which never imports the engine), and **by
# autodiff** on a graph of `Value` nodes with the same weights.
#
# ## The causal model
#
# For one example, inputs $x$ and parameters $\theta$ produce a score $r = f(x, \theta)$;
# a loss compares it with the target: $l = L(r, y)$. Every path from a parameter to $l$
# passes through $r$. We say $r$ **separates** $\theta$ from $l$, and then the chain rule
# applies through it:
#
# $$\frac{\partial l}{\partial \theta} = \frac{\partial l}{\partial r} \cdot
#   \frac{\partial r}{\partial \theta}.$$
#
# ## The network
#
# $$\tilde r_j = \sum_i W_{ij} x_i, \qquad \hat x_j = a(\tilde r_j) = \max(\tilde r_j, 0),
#   \qquad r = \sum_j w_j \hat x_j.$$
#
# The hidden units compute *features* $\hat x_j$ of the input that the network discovers
# for itself. We take $D = 2$ inputs and $H = 3$ hidden units (indices start at 0, as in
# the code), with weights picked so that some units are switched off.

# %%
import numpy as np

from autograd_lite import draw, explain, separators
from nets import FeatureDiscoveryNet, manual

W = np.array([[0.5, -1.0, 0.3], [1.5, 0.4, -0.7]])  # W[i, j]: input i -> hidden unit j
w = np.array([0.8, -1.2, 0.6])
x = np.array([1.0, 2.0])
y = 1.0

net = FeatureDiscoveryNet.from_weights(W, w, loss="logistic")
passed = net.forward(x, y)  # a ForwardPass: the graph, every node named as in the notes
print("r̃ =", [round(n.data, 4) for n in passed.r_tilde])
print("x̂ =", [round(n.data, 4) for n in passed.x_hat])
print("r =", round(passed.r.data, 4), "  l =", round(passed.l.data, 4))

# %% [markdown]
# The same forward pass by hand:

# %%
fwd = manual.forward(W, w, x)
print("r̃ =", fwd.r_tilde.round(4), " x̂ =", fwd.x_hat.round(4), " r =", round(float(fwd.r), 4))
assert np.allclose(fwd.r_tilde, [n.data for n in passed.r_tilde], rtol=1e-15)
assert np.isclose(fwd.r, passed.r.data, rtol=1e-15)

# %% [markdown]
# Units 1 and 2 have negative pre-activations ($\tilde r_2 = 0.3 - 1.4 = -1.1$), so their
# features are 0: they are off for this input. Here is the whole graph, after `backward()`.
# Drawn node by node it has 31 values and is too wide to read, so `collapse="neurons"`
# draws each unit as one box: $\hat x_j = \mathrm{ReLU}(\tilde r_j)$ with
# $\tilde r_j = \sum_i W_{ij} x_i$ inside it (its weights too), and the score
# $r = \sum_j w_j \hat x_j$ as one more box. A dashed box is a unit that is off; the
# legend under the picture says what every colour and line means.

# %%
passed.l.backward()
draw(passed.l, params=net.parameters(), collapse="neurons", rankdir="TB")

# %% [markdown]
# ## Step 1: the loss derivative, the easy part
#
# For the **logistic loss** with $y \in \{0, 1\}$,
#
# $$l = (1 - y)\,r + \log(1 + e^{-r}), \qquad
#   \frac{\partial l}{\partial r} = (1 - y) - \frac{e^{-r}}{1 + e^{-r}} = \sigma(r) - y.$$
#
# For the **squared loss**, $l = (y - r)^2$ and $\partial l/\partial r = -2(y - r)$.

# %%
from autograd_lite import grad

r = passed.r.data
dl_dr_by_hand = 1 / (1 + np.exp(-r)) - y  # σ(r) − y
dl_dr_autodiff = grad(passed.l, [passed.r])[0].data
print(f"∂l/∂r: by hand {dl_dr_by_hand:.12f}   autodiff {dl_dr_autodiff:.12f}")
assert np.isclose(dl_dr_by_hand, dl_dr_autodiff, rtol=1e-12)
print(f"squared loss at y = 1: −2(y − r) = {-2 * (y - r):.6f},"
      f"  nets.manual: {manual.dloss_dr(r, y, 'squared'):.6f}")

# %% [markdown]
# ## Step 2: $\partial r / \partial w_j$
#
# $r = \sum_j w_j \hat x_j$, and no $\hat x_j$ depends on $w_j$, so
# $\partial r / \partial w_j = \hat x_j$, and with step 1:
#
# $$\frac{\partial l}{\partial w_j} = \frac{\partial l}{\partial r}\,\hat x_j.$$
#
# ## Step 3: $\partial r / \partial W_{ij}$, component by component
#
# In vector form, $r = w^\top a(W^\top x)$ hides which component depends on which. Written
# out, $W_{ij}$ reaches $r$ only through $\tilde r_j$, and $\tilde r_j$ only through
# $\hat x_j$: $\hat x_j$ separates $r$ from $W_{ij}$, and $\tilde r_j$ separates $\hat x_j$
# from $W_{ij}$. The chain rule applies twice:
#
# $$\frac{\partial r}{\partial W_{ij}} =
#   \frac{\partial r}{\partial \hat x_j}\cdot
#   \frac{\partial \hat x_j}{\partial \tilde r_j}\cdot
#   \frac{\partial \tilde r_j}{\partial W_{ij}} = w_j \cdot a'(\tilde r_j) \cdot x_i,$$
#
# with $a'(z) = 1$ for $z > 0$ and $0$ otherwise. The engine finds the same separators
# in the graph, with no knowledge of the formula:

# %%
print([node.label for node in separators(passed.l, net.W[1][0]) if node.label])

# %% [markdown]
# `explain` writes the chain rule out for one weight, with the numbers: the
# factorization through the separators (the notes' formula), then every path through the
# graph from $W_{1,0}$ to $l$ as a product of local derivatives. Additions pass a gradient
# on unchanged (a factor 1); `explain` leaves those factors out, and says so.

# %%
ex = explain(passed.l, net.W[1][0])
print(ex)

# %%
ex

# %% [markdown]
# Drawn: only the path from $W_{1,0}$ to $l$ (blue), with the other inputs of its ops
# greyed and the separators in orange. The gradients on the nodes are the real
# $\partial l / \partial u$, which `explain` computes itself (it does not need, or change,
# `.grad`).

# %%
ex.draw(params=net.parameters(), rankdir="TB")

# %% [markdown]
# Unit 1 is off for this input. `explain` says so, and why, for a weight into it:

# %%
print(explain(passed.l, net.W[0][1]))

# %% [markdown]
# ## Step 4: all of them, by hand and by autodiff
#
# $$\frac{\partial l}{\partial W_{ij}} = \frac{\partial l}{\partial r}\, w_j\,
#   a'(\tilde r_j)\, x_i, \qquad
#   \frac{\partial l}{\partial w_j} = \frac{\partial l}{\partial r}\, \hat x_j.$$

# %%
dW, dw = manual.gradients(W, w, x, y, loss="logistic")  # the formulas above, in numpy
net.zero_grad()
passed.l.backward()
dW_auto = np.array([[p.grad for p in row] for row in net.W])
dw_auto = np.array([p.grad for p in net.w])
print("∂l/∂W by hand:\n", dW.round(6), "\n∂l/∂W autodiff:\n", dW_auto.round(6))
print("∂l/∂w by hand:   ", dw.round(6), "\n∂l/∂w autodiff:  ", dw_auto.round(6))
print("largest difference:", max(abs(dW - dW_auto).max(), abs(dw - dw_auto).max()))
assert np.allclose(dW, dW_auto, rtol=1e-12, atol=0) and np.allclose(dw, dw_auto, rtol=1e-12)

# %% [markdown]
# The columns of $\partial l / \partial W$ for units 1 and 2 are zero: those units are
# off, so $a'(\tilde r_j) = 0$ and no gradient flows back through them. Their output
# weights get $\partial l/\partial w_j = \frac{\partial l}{\partial r}\,\hat x_j = 0$ as
# well. A unit
# that is off for every example never learns: the "dead ReLU".
#
# ## Over a data set
#
# Gradient descent needs the gradient of the mean loss over all examples: the mean of the
# per-example gradients. `nets.manual.batch_gradients` computes it for all examples at
# once in numpy; the engine builds one graph per example and sums.

# %%
from nets.data import two_moons

X, Y = two_moons(50, seed=0, constant_feature=True)
big = FeatureDiscoveryNet(3, 8, loss="logistic", seed=1)
big.total_loss(X, Y, reduction="mean").backward()
Wb, wb = big.weights()
dW_hand, dw_hand = manual.batch_gradients(Wb, wb, X, Y, loss="logistic", reduction="mean")
dW_auto = np.array([[p.grad for p in row] for row in big.W])
dw_auto = np.array([p.grad for p in big.w])
rel = max(abs(dW_hand - dW_auto).max() / abs(dW_hand).max(),
          abs(dw_hand - dw_auto).max() / abs(dw_hand).max())
print(f"50 examples, D = 3, H = 8: largest relative difference {rel:.1e}")
assert rel < 1e-12
