"""The yardstick for in-page training speed: a hand-written pure-NumPy training loop, nothing else.

784-100-200-10, float32, batch 128, ReLU, softmax cross-entropy, plain SGD, and np.einsum for all
three products of every layer: the layout first measured as the fastest hand-written
kernel in Pyodide (~8,400 samples/s on a quiet machine). bench/browser.py runs it in a bare
Pyodide + numpy worker in the same browser run as the page, so the page's samples/s can be read as
a ratio to it, which machine noise moves far less than the absolute number.

Runs in CPython too: `python3 bench/reference_kernel.py [seconds]` prints samples/s.
"""
import sys
import time

import numpy as np

SIZES = (784, 100, 200, 10)
BATCH = 128


def samples_per_second(seconds=8.0, images=6400):
    rng = np.random.default_rng(0)
    # Dense einsum costs the same whatever the pixel values are: random inputs stand in for MNIST.
    x_all = rng.standard_normal((images, SIZES[0]), dtype=np.float32)
    y_all = rng.integers(0, SIZES[-1], images)
    weights = [rng.standard_normal((a, b), dtype=np.float32) * np.float32(np.sqrt(2 / a)) for a, b in zip(SIZES, SIZES[1:])]
    biases = [np.zeros(b, dtype=np.float32) for b in SIZES[1:]]
    lr = np.float32(0.01)

    def step(x, y):
        activations = [x]
        for i, (w, b) in enumerate(zip(weights, biases)):
            z = np.einsum("bi,io->bo", activations[-1], w) + b
            activations.append(np.maximum(z, 0) if i < len(weights) - 1 else z)
        logits = activations[-1]
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1
        grad = probs / np.float32(len(y))
        for i in range(len(weights) - 1, -1, -1):
            inputs = activations[i]
            grad_w = np.einsum("bi,bo->io", inputs, grad)
            grad_b = grad.sum(axis=0)
            if i > 0:
                grad = np.einsum("bo,io->bi", grad, weights[i]) * (inputs > 0)
            weights[i] -= lr * grad_w
            biases[i] -= lr * grad_b

    step(x_all[:BATCH], y_all[:BATCH])  # warm up
    start, samples, offset = time.perf_counter(), 0, 0
    while time.perf_counter() - start < seconds:
        step(x_all[offset:offset + BATCH], y_all[offset:offset + BATCH])
        samples += BATCH
        offset = (offset + BATCH) % (images - BATCH)
    return samples / (time.perf_counter() - start)


if __name__ == "__main__":
    print(f"{samples_per_second(float(sys.argv[1]) if len(sys.argv) > 1 else 8.0):,.0f} samples/s")
