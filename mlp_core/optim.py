"""Optimizers and learning-rate schedules.

An optimizer is given the network's (param, grad) array pairs and updates the params in place;
it keeps only its own state (velocities, moments). ``step(lr)`` takes the learning rate of this
step, so any schedule can drive any optimizer.
"""
import math

import numpy as np


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
        for (param, grad), velocity in zip(self.parameters, self.velocities):
            velocity *= velocity.dtype.type(self.momentum)
            velocity += grad
            param -= param.dtype.type(lr) * velocity


class AdamW:
    """Adam with decoupled weight decay (Loshchilov & Hutter), decay applied to weight matrices only.

    weight_decay=0 makes it plain Adam.
    """

    def __init__(self, parameters, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.beta1, self.beta2, self.eps, self.weight_decay = beta1, beta2, eps, weight_decay
        # Moments kept divided by (1 - beta): m / (1 - beta1) = beta1 * previous + grad needs no scaled
        # copy of grad, which saves two of the thirteen passes over each array per step (Pyodide: ~15%).
        self.first_moments = [np.zeros_like(param) for param, _ in self.parameters]  # m / (1 - beta1)
        self.second_moments = [np.zeros_like(param) for param, _ in self.parameters]  # v / (1 - beta2)
        self.scratch = [np.empty_like(param) for param, _ in self.parameters]
        self.steps = 0

    def step(self, lr):
        self.steps += 1
        # lr * m_hat / (sqrt(v_hat) + eps) with the bias corrections and the (1 - beta) factors of the
        # stored moments folded into two scalars, so each array is touched as few times as possible.
        correction1 = 1.0 - self.beta1 ** self.steps
        correction2 = 1.0 - self.beta2 ** self.steps
        root2 = math.sqrt(correction2 / (1.0 - self.beta2))
        step_size = lr * (1.0 - self.beta1) / correction1 * root2
        eps = self.eps * root2
        for (param, grad), m, v, tmp in zip(self.parameters, self.first_moments, self.second_moments, self.scratch):
            t = param.dtype.type
            if self.weight_decay and param.ndim > 1:
                param *= t(1.0 - lr * self.weight_decay)
            m *= t(self.beta1)
            m += grad
            v *= t(self.beta2)
            np.multiply(grad, grad, out=tmp)
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += t(eps)
            np.divide(m, tmp, out=tmp)
            tmp *= t(step_size)
            param -= tmp


OPTIMIZERS = ("sgd", "momentum", "adamw")


def make_optimizer(recipe, parameters):
    """The optimizer a recipe names, over the given (param, grad) pairs."""
    if recipe.optimizer == "sgd":
        return SGD(parameters)
    if recipe.optimizer == "momentum":
        return Momentum(parameters, momentum=recipe.momentum)
    if recipe.optimizer == "adamw":
        return AdamW(parameters, weight_decay=recipe.weight_decay)
    raise ValueError(f"unknown optimizer {recipe.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")


SCHEDULES = ("constant", "cosine")


def learning_rate(schedule, base_lr, step, total_steps, final_fraction=0.0):
    """The learning rate for 0-based ``step`` of ``total_steps``.

    cosine: decays from base_lr to base_lr * final_fraction along half a cosine, per step.
    """
    if schedule == "constant":
        return base_lr
    if schedule == "cosine":
        progress = min(step / max(total_steps, 1), 1.0)
        final = base_lr * final_fraction
        return final + 0.5 * (base_lr - final) * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"unknown learning-rate schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
