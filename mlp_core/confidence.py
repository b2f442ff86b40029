"""Honest confidence: temperature scaling, calibration error, and the page's verdict (a digit, or unsure).

A network trained with cross-entropy is over-sure: its top probability runs ahead of how often it is right.
Dividing the logits by one temperature T > 1, fitted on held-out images, fixes most of that without changing
any prediction (Guo et al., "On calibration of modern neural networks", 2017). The model keeps T in its
metadata and `Model.predict_proba` applies it. Calibration alone cannot say that a dash is no digit, so the
verdict also looks at the ink: every digit is taller than it is flat.
"""

from __future__ import annotations

import numpy as np

from .losses import softmax

# A verdict is "unsure" below this calibrated top probability (chosen on bench/tune_handwriting.py's set).
MIN_CONFIDENCE = 0.6
# ... or when the ink's height / width in the 28x28 image is below this: a dash, "=", a flat zigzag.
# MNIST's own digits: 0.6% of training images are flatter than 0.5, nearly all of them 2s and 7s.
MIN_ASPECT = 0.45
INK_LEVEL = 0.2  # a pixel of the 28x28 image counts as ink from this value
ECE_BINS = 15


def nll(logits, labels, temperature: float) -> float:
    """Mean negative log-likelihood of `labels` under softmax(logits / temperature)."""
    z = np.asarray(logits, np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(z)), np.asarray(labels)]))


def fit_temperature(logits, labels, low: float = 0.05, high: float = 20.0) -> float:
    """The temperature minimising the NLL of held-out (logits, labels): golden-section search on log T
    (the NLL is convex in 1/T, so a one-dimensional search cannot be misled)."""
    if len(labels) == 0:
        raise ValueError("fit_temperature needs at least one labelled example")
    a, b = np.log(low), np.log(high)
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = nll(logits, labels, np.exp(c)), nll(logits, labels, np.exp(d))
    while b - a > 1e-4:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = nll(logits, labels, np.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = nll(logits, labels, np.exp(d))
    return float(np.exp((a + b) / 2.0))


def calibrated(logits, temperature: float = 1.0) -> np.ndarray:
    """softmax(logits / temperature)."""
    logits = np.asarray(logits)
    return softmax(logits / logits.dtype.type(temperature) if logits.dtype.kind == "f" else logits / temperature)


def expected_calibration_error(probs, labels, bins: int = ECE_BINS) -> float:
    """ECE: the gap between confidence and accuracy, averaged over equal-width confidence bins,
    weighted by how many predictions fall in each bin."""
    probs = np.asarray(probs, np.float64)
    labels = np.asarray(labels)
    if len(labels) == 0:
        return 0.0
    confidence = probs.max(axis=1)
    right = probs.argmax(axis=1) == labels
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            total += members.sum() * abs(confidence[members].mean() - right[members].mean())
    return float(total / len(labels))


def ink_aspect(image) -> float:
    """Height / width of the ink's bounding box in a 28x28 image (0 when there is no ink)."""
    ink = np.asarray(image).reshape(28, 28) >= INK_LEVEL
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        return 0.0
    return (rows[-1] - rows[0] + 1) / (cols[-1] - cols[0] + 1)


def verdict(probs, image) -> dict:
    """What the page says about one drawing: {digit, p, runner_up, p_runner_up, unsure, reason}.

    `probs` are the model's calibrated probabilities (10,), `image` the 28x28 input it saw. `digit` is
    always the top class; `unsure` says not to present it as the answer, `reason` says why (or None).
    """
    probs = np.asarray(probs, np.float64).reshape(-1)
    order = np.argsort(-probs, kind="stable")
    top, second = int(order[0]), int(order[1])
    reason = None
    if ink_aspect(image) < MIN_ASPECT:
        reason = "flat"  # wider than any digit is tall: a dash, "=", a zigzag
    elif probs[top] < MIN_CONFIDENCE:
        reason = "low confidence"
    return {"digit": top, "p": float(probs[top]), "runner_up": second, "p_runner_up": float(probs[second]),
            "unsure": reason is not None, "reason": reason}


def verdicts(probs, images) -> list:
    """verdict() for each row of (N, 10) probs and (N, 784) images."""
    return [verdict(p, image) for p, image in zip(probs, images)]
