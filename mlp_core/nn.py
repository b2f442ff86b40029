"""A multilayer perceptron in plain NumPy, the tutorial's way: read this file top to bottom.

Layers are Modules: ``forward`` keeps what ``backward`` needs, ``backward`` turns dLoss/dOutput into
dLoss/dInput and stores dLoss/dParams in ``grads``. Optimizers update ``params`` from ``grads`` in
place, so any optimizer trains any network. The faster variants the page uses (other matrix-product
layouts, skipping blank pixels, a fused AdamW, two workers) live in mlp_core/fast/, tested equal to these.
"""
import numpy as np


class Module:
    """Something with parameters: ``params`` and ``grads`` are dicts with the same keys."""

    params: dict
    grads: dict

    def parameters(self):
        """[(param, grad), ...] array pairs; optimizers keep them and update the params in place."""
        return [(self.params[k], self.grads[k]) for k in self.params]


class Dense(Module):
    """y = x @ W + b, with W of shape (in, out) as in the tutorial."""

    def __init__(self, weights, biases):
        weights, biases = np.asarray(weights), np.asarray(biases)
        if weights.ndim != 2 or biases.shape != (weights.shape[1],):
            raise ValueError(f"Dense needs weights (in, out) and biases (out,), got {weights.shape} and {biases.shape}")
        if weights.dtype != biases.dtype:
            raise ValueError(f"Dense weights and biases must share a dtype, got {weights.dtype} and {biases.dtype}")
        self.params = {"weights": weights, "biases": biases}
        self.grads = {"weights": np.zeros_like(weights), "biases": np.zeros_like(biases)}
        self.x = None

    @property
    def weights(self):
        return self.params["weights"]

    @property
    def biases(self):
        return self.params["biases"]

    def forward(self, x):
        self.x = x  # backward needs the input
        return self.infer(x)

    def infer(self, x):
        """forward without keeping anything: for predictions."""
        return x @ self.weights + self.biases

    def backward(self, grad, need_input_grad=True):
        # grads are filled in place ([...] =): the optimizer holds these very arrays.
        self.grads["weights"][...] = self.x.T @ grad  # dL/dW
        self.grads["biases"][...] = grad.sum(axis=0)  # dL/db
        # dL/dx; the first layer's is never used, and skipping it saves a quarter of a step's arithmetic.
        return grad @ self.weights.T if need_input_grad else None


class ReLU(Module):
    """max(0, x); no parameters."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self.out = None

    def forward(self, x):
        self.out = self.infer(x)  # backward needs only out > 0
        return self.out

    def infer(self, x):
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, grad, need_input_grad=True):
        return grad * (self.out > 0)


def tutorial_init(rng, fan_in, fan_out, dtype):
    """The tutorial's normal init, scale sqrt(2 / (in + out)); RandomState(42) draws its very weights."""
    return rng.normal(loc=0.0, scale=np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out)).astype(dtype, copy=False)


def he_init(rng, fan_in, fan_out, dtype):
    """He (Kaiming) normal init, scale sqrt(2 / in): keeps ReLU activations' variance steady."""
    return rng.normal(loc=0.0, scale=np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)).astype(dtype, copy=False)


INITIALISERS = {"tutorial": tutorial_init, "he": he_init}


class Sequential(Module):
    """Runs layers in order; backward runs them in reverse."""

    def __init__(self, layers):
        self.layers = list(layers)

    @classmethod
    def mlp(cls, sizes, init, rng, dtype):
        """Dense-ReLU-...-Dense for ``sizes`` such as [784, 100, 200, 10], zero biases, drawn in layer order from ``rng``."""
        dtype, layers = np.dtype(dtype), []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            if i > 0:
                layers.append(ReLU())
            layers.append(Dense(INITIALISERS[init](rng, fan_in, fan_out, dtype), np.zeros(fan_out, dtype=dtype)))
        return cls(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def infer(self, x):
        """The same logits as forward, nothing kept: no activations outlive a prediction."""
        for layer in self.layers:
            x = layer.infer(x)
        return x

    def backward(self, grad, need_input_grad=False):
        """Fill every layer's grads from dLoss/dLogits; dLoss/dInput only if asked for."""
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad, need_input_grad=need_input_grad or i > 0)
        return grad

    def parameters(self):
        return [pair for layer in self.layers for pair in layer.parameters()]

    def dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def sizes(self):
        dense = self.dense_layers()
        return [dense[0].weights.shape[0]] + [layer.weights.shape[1] for layer in dense]

    @property
    def dtype(self):
        return self.dense_layers()[0].weights.dtype


def softmax(logits):
    """Probabilities along the last axis; same dtype as ``logits``."""
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))  # shifted: exp never overflows
    return exp / exp.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of a batch from its logits (B, C) and int labels (B,), and dLoss/dLogits.

    The tutorial's (softmax - onehot) / B, computed so that no finite logit overflows.
    """
    rows = np.arange(len(logits))
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=-1)
    loss = float(np.mean(np.log(sums) - shifted[rows, labels]))  # -log p(label), never log(0)
    grad = exp / sums[:, None]
    grad[rows, labels] -= 1
    grad /= len(logits)
    return loss, grad


class SGD:
    """The tutorial's update: param -= lr * grad."""

    def __init__(self, parameters):
        self.parameters = list(parameters)

    def step(self, lr):
        for param, grad in self.parameters:
            param -= param.dtype.type(lr) * grad


class Momentum:
    """SGD with (heavy-ball) momentum: v = mu * v + grad; param -= lr * v."""

    def __init__(self, parameters, momentum=0.9):
        self.parameters = list(parameters)
        self.momentum = momentum
        self.velocities = [np.zeros_like(param) for param, _ in self.parameters]

    def step(self, lr):
        for (param, grad), v in zip(self.parameters, self.velocities):
            v *= v.dtype.type(self.momentum)
            v += grad
            param -= param.dtype.type(lr) * v


class AdamW:
    """Adam with decoupled weight decay (Loshchilov & Hutter) on the weight matrices; weight_decay=0 is Adam."""

    def __init__(self, parameters, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.beta1, self.beta2, self.eps, self.weight_decay = beta1, beta2, eps, weight_decay
        self.m = [np.zeros_like(param) for param, _ in self.parameters]  # first moments: running mean of grad
        self.v = [np.zeros_like(param) for param, _ in self.parameters]  # second moments: running mean of grad**2
        self.t = 0

    def step(self, lr):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for (param, grad), m, v in zip(self.parameters, self.m, self.v):
            if self.weight_decay and param.ndim > 1:
                param *= param.dtype.type(1.0 - lr * self.weight_decay)  # decay the weights, not through the moments
            m[...] = b1 * m + (1 - b1) * grad
            v[...] = b2 * v + (1 - b2) * grad * grad
            m_hat = m / (1 - b1 ** self.t)  # bias corrections: m and v start at zero
            v_hat = v / (1 - b2 ** self.t)
            param -= lr * m_hat / (np.sqrt(v_hat) + self.eps)
