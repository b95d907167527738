"""The nn.init documentation's formulas, and the default initialisation the nn.Linear and
nn.Conv2d pages document. Plain Python: no torch.

Fans (the docs' _calculate_fan_in_and_fan_out rule): a weight of shape (d0, d1, *kernel)
has fan_in = d1 * receptive field and fan_out = d0 * receptive field, the receptive field
being the product of the dims after the second (1 for a 2-D weight).
"""

import math

# calculate_gain's table; leaky_relu is the one entry with a parameter (see gain())
GAINS = {
    "linear": 1.0,
    "conv1d": 1.0,
    "conv2d": 1.0,
    "conv3d": 1.0,
    "conv_transpose1d": 1.0,
    "conv_transpose2d": 1.0,
    "conv_transpose3d": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3,
    "relu": math.sqrt(2.0),
    "selu": 3.0 / 4,
}
LEAKY_RELU_DEFAULT_SLOPE = 0.01


def fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of `shape` (at least 2-D)."""
    if len(shape) < 2:
        raise ValueError("fans are defined for tensors of 2 or more dimensions")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def gain(nonlinearity: str, param=None) -> float:
    """calculate_gain: the table above; leaky_relu is sqrt(2 / (1 + negative_slope^2)),
    negative_slope = param (0.01 when None)."""
    if nonlinearity == "leaky_relu":
        slope = LEAKY_RELU_DEFAULT_SLOPE if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    return GAINS[nonlinearity]


def xavier_uniform_bound(shape, gain=1.0) -> float:
    """xavier_uniform_: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    return gain * math.sqrt(6.0 / (fan_in + fan_out))


def xavier_normal_std(shape, gain=1.0) -> float:
    """xavier_normal_: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_fan(shape, mode: str) -> int:
    fan_in, fan_out = fans(shape)
    return {"fan_in": fan_in, "fan_out": fan_out}[mode]


def kaiming_uniform_bound(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu") -> float:
    """kaiming_uniform_: U(-bound, bound), bound = gain * sqrt(3 / fan_mode),
    gain = calculate_gain(nonlinearity, a)."""
    return gain(nonlinearity, a) * math.sqrt(3.0 / kaiming_fan(shape, mode))


def kaiming_normal_std(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu") -> float:
    """kaiming_normal_: N(0, std^2), std = gain / sqrt(fan_mode)."""
    return gain(nonlinearity, a) / math.sqrt(kaiming_fan(shape, mode))


def linear_default_bound(in_features: int) -> float:
    """nn.Linear: weight and bias from U(-sqrt(k), sqrt(k)), k = 1 / in_features."""
    return math.sqrt(1.0 / in_features)


def conv_default_bound(in_channels: int, kernel_size, groups: int = 1) -> float:
    """nn.Conv2d: weight and bias from U(-sqrt(k), sqrt(k)),
    k = groups / (C_in * prod(kernel_size))."""
    return math.sqrt(groups / (in_channels * math.prod(kernel_size)))
