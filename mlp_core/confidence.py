"""Honest confidence: temperature scaling, calibration error, and the page's verdict (a digit, or unsure).

A network trained with cross-entropy is over-sure: its top probability runs ahead of how often it is right.
Dividing the logits by one temperature T > 1, fitted on held-out images, fixes most of that without changing
any prediction (Guo et al., "On calibration of modern neural networks", 2017). The model keeps T in its
metadata and `Model.predict_proba` applies it. Calibration alone cannot say that a dash is no digit, so the
verdict also looks at the ink (a drawing flatter than digits are is a digit only when the network is all but
certain of it) and at how strongly any class responds.
"""

from __future__ import annotations

import numpy as np

from .nn import softmax

# A verdict is "unsure" below this calibrated top probability (checked on bench/tune_handwriting.py's set).
MIN_CONFIDENCE = 0.6
# ... or when the ink's height / width in the 28x28 image is below this: a dash, "=", a flat zigzag.
# MNIST: none of the first 20,000 training digits is flatter than 0.5, 0.06% flatter than 0.6 (2s, 5s, 0s).
MIN_ASPECT = 0.55
# ... unless the network is this sure: a wide digit. The TUNE catalogue's digits squashed flat read right at this level
# 8 times and wrong never (78 flat drawings; 1 wrong at 0.95), and no flat non-digit (dashes, "=", zigzags, waves,
# tildes) reached 0.93.
FLAT_SURE = 0.98
INK_LEVEL = 0.2  # a pixel of the 28x28 image counts as ink from this value
# ... or when the network answers weakly for every class: its energy, logsumexp(logits), is below the
# model's metadata "min_energy", which the build sets to this quantile of its held-out digits' energies
# (Liu et al., "Energy-based out-of-distribution detection", 2020).
ENERGY_QUANTILE = 0.02
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


def calibration_error(confidence, correct, bins: int = ECE_BINS) -> float:
    """ECE: the gap between confidence and accuracy, averaged over equal-width confidence bins, weighted by how
    many predictions fall in each bin; from each prediction's confidence and whether it was right (nan for none)."""
    confidence = np.asarray(confidence, np.float64)
    correct = np.asarray(correct, np.float64)
    if confidence.size == 0:
        return float("nan")
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            total += members.sum() * abs(confidence[members].mean() - correct[members].mean())
    return float(total / confidence.size)


def expected_calibration_error(probs, labels, bins: int = ECE_BINS) -> float:
    """ECE of probabilities (one row per prediction) against the labels; 0 for no predictions."""
    probs = np.asarray(probs, np.float64)
    labels = np.asarray(labels)
    if len(labels) == 0:
        return 0.0
    return calibration_error(probs.max(axis=1), probs.argmax(axis=1) == labels, bins)


def energy(logits) -> np.ndarray:
    """logsumexp of each row of logits (before any temperature): low when no class responds strongly."""
    z = np.asarray(logits, np.float64)
    top = z.max(axis=-1, keepdims=True)
    return (np.log(np.exp(z - top).sum(axis=-1, keepdims=True)) + top)[..., 0]


def energy_floor(logits, quantile: float = ENERGY_QUANTILE) -> float:
    """The energy that all but `quantile` of these (held-out, real) digits' logits exceed."""
    return float(np.quantile(energy(logits), quantile))


def ink_aspect(image) -> float:
    """Height / width of the ink's bounding box in a 28x28 image (0 when there is no ink)."""
    ink = np.asarray(image).reshape(28, 28) >= INK_LEVEL
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        return 0.0
    return (rows[-1] - rows[0] + 1) / (cols[-1] - cols[0] + 1)


def verdict(probs, image, logits=None, min_energy=None) -> dict:
    """What the page says about one drawing: {digit, p, runner_up, p_runner_up, unsure, reason}.

    `probs` are the model's calibrated probabilities (10,), `image` the 28x28 input it saw; with the
    model's `logits` (10,) and its `min_energy`, weak answers count as unsure too. `digit` is always
    the top class; `unsure` says not to present it as the answer, `reason` says why (or None).
    """
    probs = np.asarray(probs, np.float64).reshape(-1)
    order = np.argsort(-probs, kind="stable")
    top, second = int(order[0]), int(order[1])
    reason = None
    if ink_aspect(image) < MIN_ASPECT and probs[top] < FLAT_SURE:
        reason = "flat"  # wider than any digit is tall and not read as one surely: a dash, "=", a zigzag
    elif logits is not None and isinstance(min_energy, (int, float)) and energy(logits) < min_energy:
        reason = "unlike any digit"  # no class responds as strongly as to nearly every real digit
    elif probs[top] < MIN_CONFIDENCE:
        reason = "low confidence"
    return {"digit": top, "p": float(probs[top]), "runner_up": second, "p_runner_up": float(probs[second]),
            "unsure": reason is not None, "reason": reason}


def verdicts(probs, images, logits=None, min_energy=None) -> list:
    """verdict() for each row of (N, 10) probs, (N, 784) images and (N, 10) logits."""
    logits = [None] * len(probs) if logits is None else logits
    return [verdict(p, image, z, min_energy) for p, image, z in zip(probs, images, logits)]
