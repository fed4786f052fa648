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
# # 4. Gradients of gradients
#
# `backward()` computes numbers. But the chain rule's arithmetic, the products and sums of
# local derivatives, can itself be *recorded* as a graph, and a graph can be differentiated
# again. That is all `grad(y, xs, create_graph=True)` does: every local derivative in the
# op table is written with ordinary arithmetic, so when the engine evaluates it on `Value`
# nodes instead of floats, the derivative becomes a graph of its own.
#
# This notebook checks second derivatives against hand derivations, computes a
# Hessian-vector product, and uses both to run Newton's method.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from autograd_lite import Value, grad, topological_order

# %% [markdown]
# ## A second derivative, by hand and by the engine
#
# Take $f(x) = x^3 \sin x$. By the product rule,
#
# $$f'(x) = 3x^2 \sin x + x^3 \cos x,$$
#
# and once more,
#
# $$f''(x) = 6x \sin x + 3x^2\cos x + 3x^2 \cos x - x^3 \sin x
#          = 6x \sin x + 6x^2 \cos x - x^3 \sin x.$$

# %%
x = Value(1.3, label="x")
f = x**3 * x.sin()
(df,) = grad(f, [x], create_graph=True)  # f'(x), as a graph
(d2f,) = grad(df, [x])  # f''(x)

a = 1.3
by_hand_1 = 3 * a**2 * math.sin(a) + a**3 * math.cos(a)
by_hand_2 = 6 * a * math.sin(a) + 6 * a**2 * math.cos(a) - a**3 * math.sin(a)
print(f"f'(1.3):  engine {df.data:.12f}   by hand {by_hand_1:.12f}")
print(f"f''(1.3): engine {d2f.data:.12f}   by hand {by_hand_2:.12f}")
assert abs(df.data - by_hand_1) < 1e-12 and abs(d2f.data - by_hand_2) < 1e-12

# %% [markdown]
# The first derivative is a graph of ordinary nodes. It is bigger than $f$'s graph: it
# holds $f$'s forward pass plus the backward arithmetic.

# %%
print("nodes in f:  ", len(topological_order(f)))
print("nodes in f': ", len(topological_order(df)))

# %% [markdown]
# ## A Hessian-vector product
#
# For $f(x, y, z) = x^2 y + y z^3 + \sin(xz)$, the product of the Hessian $H$ with a
# vector $v$ is the gradient of the scalar $\nabla f \cdot v$:
#
# $$H v = \nabla_x \left(\nabla f(x) \cdot v\right).$$
#
# One extra backward pass gives $Hv$ without ever forming $H$, which matters when there
# are many variables. Here there are three, so we can also write $H$ out by hand:
#
# $$
# H = \begin{pmatrix}
# 2y - z^2 \sin(xz) & 2x & \cos(xz) - xz\sin(xz) \\
# 2x & 0 & 3z^2 \\
# \cos(xz) - xz\sin(xz) & 3z^2 & 6yz - x^2 \sin(xz)
# \end{pmatrix}.
# $$

# %%
p, v = (0.3, -1.2, 0.8), (1.0, -2.0, 0.5)
xs = [Value(t) for t in p]
X, Y, Z = xs
f = X * X * Y + Y * Z**3 + (X * Z).sin()
g = grad(f, xs, create_graph=True)
hv = [h.data for h in grad(sum((gi * vi for gi, vi in zip(g, v)), Value(0.0)), xs)]

a, b, c = p
s, co = math.sin(a * c), math.cos(a * c)
H = [
    [2 * b - c * c * s, 2 * a, co - a * c * s],
    [2 * a, 0.0, 3 * c * c],
    [co - a * c * s, 3 * c * c, 6 * b * c - a * a * s],
]
by_hand = [sum(H[i][j] * v[j] for j in range(3)) for i in range(3)]
for i in range(3):
    print(f"(Hv)[{i}]  engine {hv[i]: .12f}   by hand {by_hand[i]: .12f}")
assert all(abs(e - h) < 1e-12 for e, h in zip(hv, by_hand))

# %% [markdown]
# ## Newton's method against gradient descent
#
# Gradient descent takes a step against the gradient, $\theta \leftarrow \theta - \eta
# \nabla f$, with a step size $\eta$ we must choose. Newton's method uses the curvature:
# it jumps to the minimum of the local quadratic model,
# $\theta \leftarrow \theta - H^{-1}\nabla f$. We minimise Rosenbrock's function
#
# $$f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2,$$
#
# whose minimum is at $(1, 1)$ at the bottom of a long curved valley, where gradient
# descent crawls.


# %%
def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def gradient_and_hessian(point):
    xs = [Value(t) for t in point]
    g = grad(rosenbrock(*xs), xs, create_graph=True)
    hessian = [[h.data for h in grad(gi, xs)] for gi in g]
    return [gi.data for gi in g], hessian


def newton(point, steps):
    path = [point]
    for _ in range(steps):
        (gx, gy), ((a, b), (c, d)) = gradient_and_hessian(path[-1])
        det = a * d - b * c  # solve the 2x2 system H·step = g
        step = ((d * gx - b * gy) / det, (a * gy - c * gx) / det)
        path.append((path[-1][0] - step[0], path[-1][1] - step[1]))
    return path


def gradient_descent(point, steps, lr=1e-3):
    path = [point]
    for _ in range(steps):
        xs = [Value(t) for t in path[-1]]
        rosenbrock(*xs).backward()
        path.append((xs[0].data - lr * xs[0].grad, xs[1].data - lr * xs[1].grad))
    return path


start = (-1.2, 1.0)
newton_path = newton(start, 8)
gd_path = gradient_descent(start, 2000)
for name, path in (("Newton", newton_path), ("gradient descent", gd_path)):
    (x_end, y_end), steps = path[-1], len(path) - 1
    print(f"{name + ',':17s} {steps:4d} steps: f = {rosenbrock(x_end, y_end):.3e}"
          f" at ({x_end:.6f}, {y_end:.6f})")

# %% [markdown]
# Each method has one colour on both panels. Newton's first step overshoots far below the
# valley (to $y \approx -3.2$) before it comes back, so the contours span every point
# either path visits.

# %%
NEWTON, DESCENT = "#d62728", "#1f77b4"
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.semilogy([rosenbrock(*p) + 1e-30 for p in newton_path], "o-", color=NEWTON, label="Newton")
ax1.semilogy([rosenbrock(*p) + 1e-30 for p in gd_path], color=DESCENT,
             label="gradient descent (η = 0.001)")
ax1.set_xscale("symlog")
ax1.set_xlabel("step")
ax1.set_ylabel("f")
ax1.legend()
ax1.set_title("loss against step")

visited = np.array(newton_path + gd_path + [(1.0, 1.0)])
(x_lo, y_lo), (x_hi, y_hi) = visited.min(axis=0), visited.max(axis=0)
pad_x, pad_y = 0.1 * (x_hi - x_lo), 0.1 * (y_hi - y_lo)
gx, gy = np.meshgrid(np.linspace(x_lo - pad_x, x_hi + pad_x, 300),
                     np.linspace(y_lo - pad_y, y_hi + pad_y, 300))
ax2.contour(gx, gy, np.log10(rosenbrock(gx, gy) + 1e-3), levels=25, cmap="Greys")
ax2.plot(*zip(*gd_path), ".-", color=DESCENT, markersize=2, label="gradient descent")
ax2.plot(*zip(*newton_path), "o-", color=NEWTON, label="Newton")
ax2.plot(1, 1, "k*", markersize=12)
ax2.set(xlabel="x", ylabel="y", title="paths on Rosenbrock's valley")
ax2.legend()
assert gx.min() < visited[:, 0].min() and gy.min() < visited[:, 1].min()  # all inside
assert gx.max() > visited[:, 0].max() and gy.max() > visited[:, 1].max()
plt.show()

# %% [markdown]
# Newton's method reaches the minimum to machine precision in a handful of steps, because
# near the minimum the quadratic model is nearly exact. Gradient descent needs a step
# small enough not to diverge across the steep valley walls, and then crawls along the
# floor. The price of Newton's step is the Hessian: here two extra backward passes
# through the gradient graph, in general one per variable (or a Hessian-vector product per
# conjugate-gradient iteration, which is how large problems avoid forming $H$).
