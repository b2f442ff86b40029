"""Softmax cross-entropy computed from logits, stable for any finite logits."""
import numpy as np


def softmax(logits):
    """Probabilities along the last axis; same dtype as ``logits``."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    exp /= exp.sum(axis=-1, keepdims=True)
    return exp


def softmax_cross_entropy(logits, labels, batch_size=None):
    """Mean cross-entropy of a batch and its gradient with respect to the logits.

    ``logits`` (B, C) float, ``labels`` (B,) ints in [0, C). Returns ``(loss, grad)`` where
    ``loss`` is a Python float and ``grad`` = (softmax(logits) - onehot(labels)) / B, the
    tutorial's gradient without its overflow.
    ``batch_size``: when these rows are a share of a larger minibatch (mlp_core.partner), the
    mean is over that many rows, so the shares' losses and gradients add up to the whole batch's.
    """
    rows = np.arange(len(logits))
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=-1)
    # log p(label) = shifted[label] - log(sum(exp)): never log(0), never exp of a large number.
    if batch_size is None:
        batch_size = len(logits)
    losses = np.log(sums) - shifted[rows, labels]
    # A whole batch keeps np.mean: the tutorial's loss, bit for bit.
    loss = float(np.mean(losses)) if batch_size == len(logits) else float(np.sum(losses)) / batch_size
    grad = exp
    grad /= sums[:, None]
    grad[rows, labels] -= 1
    grad /= batch_size
    return loss, grad
