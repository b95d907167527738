"""Independent numpy oracles for torch.optim: the update rules as the optimizers' documentation
writes them (the algorithm boxes of torch.optim.SGD and torch.optim.Adam), in float64.

Each takes the initial parameter and the gradient of every step and returns the parameter after
the last step. This module must never import torch.
"""

import numpy as np


def sgd(param, grads, lr, momentum=0.0, weight_decay=0.0):
    """SGD, dampening 0, no Nesterov: g += wd * p; b_1 = g, b_t = mu * b_{t-1} + g (with
    momentum; b_t = g without); p <- p - lr * b_t."""
    p, buffer = np.asarray(param, dtype=np.float64), None
    for grad in grads:
        g = np.asarray(grad, dtype=np.float64) + weight_decay * p
        buffer = g if buffer is None or momentum == 0 else momentum * buffer + g
        p = p - lr * buffer
    return p


def adam(param, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """Adam: g += wd * p; m = b1 * m + (1 - b1) * g; v = b2 * v + (1 - b2) * g^2;
    p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), for t = 1, 2, ..."""
    beta1, beta2 = betas
    p = np.asarray(param, dtype=np.float64)
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, grad in enumerate(grads, start=1):
        g = np.asarray(grad, dtype=np.float64) + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return p
