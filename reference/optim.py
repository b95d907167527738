"""Independent numpy oracles for torch.optim: the update rules as the optimizers' documentation
writes them (the algorithm boxes of torch.optim.SGD and torch.optim.Adam), in float64.

Each takes the initial parameter and the gradient of every step and returns the parameter after
the last step. This module must never import torch.
"""

import numpy as np


def sgd(param, grads, lr, momentum=0.0, weight_decay=0.0, dampening=0.0, nesterov=False):
    """SGD: g += wd * p; with momentum mu != 0, b_1 = g and b_t = mu * b_{t-1} + (1 - tau) * g
    for t > 1 (tau the dampening: the first step is never dampened), then g = g + mu * b_t
    with Nesterov, g = b_t without; p <- p - lr * g."""
    p, buffer = np.asarray(param, dtype=np.float64), None
    for grad in grads:
        g = np.asarray(grad, dtype=np.float64) + weight_decay * p
        if momentum != 0:
            buffer = g if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        p = p - lr * g
    return p


def adam(param, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    """Adam: g += wd * p; m = b1 * m + (1 - b1) * g; v = b2 * v + (1 - b2) * g^2;
    with amsgrad v_max = max(v_max, v) (of the uncorrected v, as torch 2.6+ documents it) and
    v_max replaces v below; p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps),
    for t = 1, 2, ..."""
    beta1, beta2 = betas
    p = np.asarray(param, dtype=np.float64)
    m, v, v_max = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, grad in enumerate(grads, start=1):
        g = np.asarray(grad, dtype=np.float64) + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = np.maximum(v_max, v)
        second = v_max if amsgrad else v
        p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(second / (1 - beta2**t)) + eps)
    return p
