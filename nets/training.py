"""The training loop: batches, backward, optimizer steps, a progress bar and a history.

A model here is anything with ``parameters()`` whose call ``model(x)`` returns one score
``Value`` r for an example x (a ``FeatureDiscoveryNet``, or an ``MLP`` with one output).
The score predicts class 1 when r > 0; a target y stands for class 1 when y > 0 (1 among
0/1 targets, +1 among −1/+1), so accuracy needs no knowledge of the loss.

``compiled=True`` traces one example's graph into a program (``autograd_lite.trace``) and
trains through it, a batch at a time in numpy: the same losses, accuracies and weights as
the scalar engine up to rounding. It needs a model that takes a list of ``Value`` inputs
and whose graph has the same structure for every example: each batch builds two of its
examples again (and each evaluation three) and compares their graphs with the traced one,
and ``DifferentGraphError`` names the first example of ``X`` that differs (a model or a
loss that branches on the data: train it with ``compiled=False``).

Ctrl-C stops training at once and keeps the weights reached so far: ``train`` returns the
history of the finished epochs with ``interrupted=True`` (a batch interrupted before its
optimizer step takes none).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from autograd_lite import Value, collector_paused, trace
from autograd_lite.checks import as_examples, check_positive_int
from autograd_lite.program import DifferentGraphError

from . import losses
from .optim import Optimizer

__all__ = ["History", "Model", "train", "accuracy"]


class Model(Protocol):
    def __call__(self, x: Sequence[float]) -> Value: ...

    def parameters(self) -> list[Value]: ...


@dataclass
class History:
    """Per finished epoch: the mean training loss and the training accuracy.

    Both are measured after the epoch, on the weights it ended with, over every training
    example: the last entry is what ``accuracy(model, X, Y)`` gives for the trained model.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    interrupted: bool = False  # stopped by Ctrl-C


def train(
    model: Model,
    X: ArrayLike,
    Y: ArrayLike,
    optimizer: Optimizer,
    epochs: int,
    loss: str | losses.LossFn | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    progress: bool = True,
    compiled: bool = False,
) -> History:
    """Minimise the mean loss over mini-batches of (X, Y) for ``epochs`` passes.

    ``X`` has one example per row and ``Y`` one target each. ``loss`` is a per-example
    loss l(r, y) or its name in ``nets.losses.LOSSES``; by default the model's own
    (``model.loss_name``). ``batch_size=None`` uses the whole set each step; otherwise the
    examples are reshuffled every epoch by ``random.Random(seed)``. ``progress`` shows a
    tqdm bar with the loss and accuracy after each epoch (those of ``History``).
    ``compiled`` trains through a traced
    program (see the module's docstring).
    """
    X, Y = as_examples(X, Y)
    loss_fn = _loss_fn(model, loss)
    check_positive_int("epochs", epochs)
    if batch_size is not None:
        check_positive_int("batch_size", batch_size)
    if not isinstance(compiled, bool):
        raise TypeError(f"compiled must be True or False, got {type(compiled).__name__}")
    rows, targets = X.tolist(), Y.tolist()
    _check_examples(loss_fn, X, targets)
    run_batch, evaluate = (_compiled if compiled else _scalar)(model, loss_fn, rows, targets)
    size = batch_size or len(rows)
    order = list(range(len(rows)))
    rng = random.Random(seed)
    history = History()
    bar = _progress_bar(epochs) if progress else None
    # The collector paused (the user's setting restored after): a batch's graphs are many
    # nodes and no reference cycles, and its passes over them would cost more than
    # building them (docs/performance.md, "The collector").
    with collector_paused():
        try:
            for _ in range(epochs):
                if size < len(order):
                    rng.shuffle(order)
                for start in range(0, len(order), size):
                    optimizer.zero_grad()
                    run_batch(order[start : start + size])
                    optimizer.step()
                mean_loss, acc = evaluate()  # on the weights the epoch ended with
                history.loss.append(mean_loss)
                history.accuracy.append(acc)
                if bar is not None:
                    bar.set_postfix(loss=f"{history.loss[-1]:.4f}",
                                    acc=f"{history.accuracy[-1]:.1%}")
                    bar.update()
        except KeyboardInterrupt:
            history.interrupted = True
        finally:
            if bar is not None:
                bar.close()
    return history


def _check_examples(loss_fn: losses.LossFn, X: np.ndarray, targets: list[float]) -> None:
    """What both paths refuse, before any work: a number that is not finite, and a target
    the loss refuses (the loss is called once with each distinct target, at r = 0)."""
    bad = np.argwhere(~np.isfinite(X))
    if len(bad):
        row, col = bad[0]
        raise ValueError(f"X[{row}, {col}] is {X[row, col]}; examples must be finite numbers")
    first: dict[float, int] = {}  # each distinct target, and where it first appears
    for n, y in enumerate(targets):
        first.setdefault(y, n)
    for y, n in first.items():
        if not np.isfinite(y):
            raise ValueError(f"Y[{n}] is {y}; targets must be finite numbers")
        try:
            loss_fn(Value(0.0), y)
        except (TypeError, ValueError) as e:
            raise type(e)(f"Y[{n}]: {e}") from None


# A batch step adds the gradient of the batch's mean loss to each parameter's ``grad``; an
# evaluation gives the mean loss and the accuracy over all the examples, at the current
# weights.
BatchStep = Callable[[list[int]], None]
Evaluation = Callable[[], tuple[float, float]]


def _scalar(
    model: Model, loss_fn: losses.LossFn, rows: list, targets: list
) -> tuple[BatchStep, Evaluation]:
    """The scalar engine: one graph per example, then ``backward()``."""

    def run_batch(batch: list[int]) -> None:
        scores = [_score(model, rows[n]) for n in batch]
        losses.reduce([loss_fn(r, targets[n]) for r, n in zip(scores, batch)]).backward()

    def evaluate() -> tuple[float, float]:
        # One example at a time: each graph is freed before the next is built (holding all
        # of them made the cyclic collector rescan them, several times slower).
        example_losses, scores = [], []
        for x, y in zip(rows, targets):
            r = _score(model, x)
            example_losses.append(loss_fn(r, y).data)
            scores.append(r.data)
        return _mean(example_losses), _accuracy(scores, targets)

    return run_batch, evaluate


def _compiled(
    model: Model, loss_fn: losses.LossFn, rows: list, targets: list
) -> tuple[BatchStep, Evaluation]:
    """The same batch step through a program traced from the first example, whose inputs
    are the example's features and its target, and whose second output is the score. The
    program is traced from a function, so each run builds a few of its examples again and
    stops if one builds a different graph (a model or loss that branches on the data)."""

    def example(*leaves: Value) -> tuple[Value, Value]:
        try:
            r = _score(model, list(leaves[:-1]))
        except (TypeError, ValueError) as e:
            raise TypeError(f"compiled=True needs a model that takes a list of Value inputs: "
                            f"{e}") from None
        return loss_fn(r, leaves[-1]), r

    xs = [Value(v, label=f"x[{i}]") for i, v in enumerate(rows[0])]
    program = trace(example, [*xs, Value(targets[0], label="y")], model.parameters())
    data = np.column_stack([rows, targets])

    def run(batch: list[int] | None) -> tuple[np.ndarray, np.ndarray]:
        """The program on the batch's rows (None: every example, three of them checked);
        a batch step checks two examples (the batch's first and last: new ones each epoch
        when the examples are shuffled), so that checking costs little beside the step."""
        try:
            return program.run(data, check=3) if batch is None else \
                program.run(data[batch], check=2)
        except DifferentGraphError as e:  # named by its row in X
            raise DifferentGraphError(e.row if batch is None else batch[e.row],
                                      e.difference) from None

    def run_batch(batch: list[int]) -> None:
        _, grads = run(batch)
        for p, g in zip(program.params, grads.tolist()):
            p.grad += g / len(batch)

    def evaluate() -> tuple[float, float]:
        values, _ = run(None)
        return _mean(values[:, 0].tolist()), _accuracy(values[:, 1].tolist(), targets)

    return run_batch, evaluate


def accuracy(model: Model, X: ArrayLike, Y: ArrayLike) -> float:
    """The fraction of examples whose score r is on the side of their target: r > 0 ⇔ y > 0."""
    X, Y = as_examples(X, Y)
    with collector_paused():
        return _accuracy([_score(model, x).data for x in X.tolist()], Y.tolist())


def _accuracy(scores: list[float], targets: list[float]) -> float:
    return sum((r > 0) == (y > 0) for r, y in zip(scores, targets)) / len(targets)


def _mean(example_losses: list[float]) -> float:
    # The mean as losses.reduce computes it: the same additions, in the same order.
    return sum(example_losses[1:], example_losses[0]) / len(example_losses)


def _score(model: Model, x: list[float]) -> Value:
    r = model(x)
    if not isinstance(r, Value):
        raise TypeError(f"the model must return one Value (the score) per example, got {r!r}")
    return r


def _loss_fn(model: Model, loss: str | losses.LossFn | None) -> losses.LossFn:
    if loss is None:
        loss = getattr(model, "loss_name", None)
        if loss is None:
            raise ValueError(
                f"{type(model).__name__} has no loss of its own: pass loss= "
                f"(one of {', '.join(map(repr, losses.LOSSES))}, or a function l(r, y))"
            )
    return losses.get_loss(loss) if isinstance(loss, str) else loss


def _progress_bar(epochs: int) -> Any:
    from tqdm import tqdm  # imported here: `import nets` stays light

    return tqdm(total=epochs, desc="training (after each epoch)", unit="epoch", leave=True)
