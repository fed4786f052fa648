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
# # 3. Training by gradient descent
#
# Notebook 2 showed that backpropagation gives the gradient of the loss with respect to
# every weight. Gradient descent uses it: move every weight a small step against its
# gradient, and repeat,
#
# $$\theta \leftarrow \theta - \eta\,\frac{1}{N}\sum_{n} \frac{\partial l^{(n)}}{\partial \theta}.$$
#
# Here we train the feature-discovery network on two small 2-D problems that no straight
# line can separate, two-moons and XOR, and look at what the hidden units learn. We use
# Adam, a variant of gradient descent that scales each weight's step by a running
# estimate of its gradient's size, on mini-batches of 20 points.
#
# **Accuracy, one definition.** Every accuracy in this notebook is measured after an
# epoch, on the weights the epoch ended with, over all the training points: that is what
# `train` records in its history (and shows on its progress bar) and what
# `accuracy(net, X, Y)` gives for the trained net, so the two always agree.
#
# **The constant feature.** The network has no biases. Appending a constant input
# $x_2 = 1$ gives each hidden unit a bias $W_{2j}$: its pre-activation
# $\tilde r_j = W_{0j}x_0 + W_{1j}x_1 + W_{2j}$ is zero on a line that need not pass
# through the origin.

# %%
import matplotlib.pyplot as plt
import numpy as np

from nets import Adam, FeatureDiscoveryNet, accuracy, train
from nets.data import two_moons, xor
from nets.losses import class_targets


def fit(X, labels, loss, hidden=16, epochs=60, seed=0):
    """Train a fresh net; return it and its history."""
    net = FeatureDiscoveryNet(X.shape[1], hidden, loss=loss, seed=seed)
    Y = class_targets(labels, loss)  # 0/1 for logistic, −1/+1 for squared
    history = train(net, X, Y, Adam(net.parameters(), lr=0.05), epochs=epochs,
                    batch_size=20, seed=seed, progress=False)
    return net, history


def scores(net, points):
    """r for many points at once, from the trained weights (the notes' formulas in numpy)."""
    W, w = net.weights()
    return np.maximum(points @ W, 0.0) @ w


def grid(X, n=150):
    (x0, y0), (x1, y1) = X[:, :2].min(axis=0) - 0.3, X[:, :2].max(axis=0) + 0.3
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    points = np.column_stack([gx.ravel(), gy.ravel(), np.ones(gx.size)])
    return gx, gy, points


def show_points(ax, X, labels):
    for label, colour, marker in ((0, "#d62728", "o"), (1, "#1f77b4", "s")):
        p = X[labels == label]
        ax.scatter(p[:, 0], p[:, 1], c=colour, marker=marker, s=12, edgecolors="k",
                   linewidths=0.3)


# %% [markdown]
# ## Two-moons

# %%
X, labels = two_moons(200, seed=0, noise=0.1, constant_feature=True)
net, history = fit(X, labels, "logistic")
print(f"after the last epoch: mean loss {history.loss[-1]:.4f}, "
      f"training accuracy {history.accuracy[-1]:.1%}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.plot(history.loss)
ax1.set(yscale="log", xlabel="epoch", ylabel="mean logistic loss", title="loss curve")
gx, gy, points = grid(X)
r = scores(net, points).reshape(gx.shape)
ax2.contourf(gx, gy, r > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"])
ax2.contour(gx, gy, r, levels=[0.0], colors="k", linewidths=1)
show_points(ax2, X, labels)
ax2.set(title="decision boundary r = 0", xlabel="x[0]", ylabel="x[1]")
plt.show()

# %% [markdown]
# ## Feature discovery: what each hidden unit learned
#
# Hidden unit $j$ fires ($\hat x_j > 0$) on one side of the line $\tilde r_j = 0$. Each
# panel shades the region where one unit fires; the colour of the title says the sign of
# its output weight $w_j$, i.e. whether firing pushes the score towards class 1 (blue) or
# class 0 (red). The decision boundary is built from these half-planes: the network
# discovered its own features.

# %%
W, w = net.weights()
fig, axes = plt.subplots(2, 8, figsize=(16, 4.4), sharex=True, sharey=True)
for j, ax in enumerate(axes.flat):
    fires = (points @ W[:, j] > 0).reshape(gx.shape)
    ax.contourf(gx, gy, fires, levels=[-0.5, 0.5, 1.5], colors=["white", "#fde68a"])
    show_points(ax, X, labels)
    ax.set_title(f"x̂[{j}]  w={w[j]:+.2f}", color="#1f77b4" if w[j] > 0 else "#d62728",
                 fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("where each hidden unit fires (yellow)")
plt.show()

# %% [markdown]
# ## XOR
#
# XOR's four clusters need at least two lines. The same network, the same training:

# %%
Xx, labels_x = xor(200, seed=0, constant_feature=True)
net_x, history_x = fit(Xx, labels_x, "logistic")
print(f"XOR, after the last epoch: training accuracy {history_x.accuracy[-1]:.1%} "
      f"(accuracy() on the trained net: {accuracy(net_x, Xx, labels_x):.1%})")
gx, gy, points = grid(Xx)
fig, ax = plt.subplots(figsize=(5, 4))
r = scores(net_x, points).reshape(gx.shape)
ax.contourf(gx, gy, r > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"])
ax.contour(gx, gy, r, levels=[0.0], colors="k", linewidths=1)
show_points(ax, Xx, labels_x)
ax.set_title("XOR: decision boundary")
plt.show()

# %% [markdown]
# ## Squared loss against logistic loss
#
# The notes give two losses. The squared loss $(y - r)^2$ (on targets $\pm 1$) keeps
# pulling $r$ towards exactly $\pm 1$, even for points already far on the right side, and
# pushes hard on outliers. The logistic loss $(1 - y)r + \log(1 + e^{-r})$ (on targets
# $0/1$) asks only that $r$ have the right sign with some margin: its gradient
# $\sigma(r) - y$ fades once a point is classified confidently. Both are trained below
# from the same initial weights; the accuracy (after each epoch, on its final weights) is
# what they share, and the last point of each curve is the figure printed for it.

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, data in (("two-moons", (X, labels)), ("XOR", (Xx, labels_x))):
    for loss in ("logistic", "squared"):
        trained, h = fit(*data, loss)
        Y = class_targets(data[1], loss)
        final = accuracy(trained, data[0], Y)
        assert final == h.accuracy[-1]  # one definition: after the epoch, final weights
        ax.plot(100 * np.array(h.accuracy), label=f"{name}, {loss}")
        print(f"{name:9s} {loss:8s}: accuracy {100 * final:5.1f}%, final loss {h.loss[-1]:.4f}")
ax.set(xlabel="epoch", ylabel="training accuracy (%)", ylim=(40, 101))
ax.legend()
plt.show()
