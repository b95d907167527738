"""Convolution and pooling (seeds 001, 002 Convolution/Pooling operators, 003).

Documented: the output size floor((size + 2p - d(k-1) - 1)/s) + 1 (ceil for pools in
ceil mode, where a last window starting in the right padding is dropped); values as the
formulas in the Conv2d/MaxPool2d/AvgPool2d/AdaptiveAvgPool2d docs; invalid configurations
raise; each nn module equals its torch.nn.functional form.
Oracle: reference/nn.py (numpy loops following those formulas). Inputs are small integers,
so the oracle's float64 sums are exact and the tolerance table covers the final rounding.
"""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st
from torch import nn

from reference import nn as oracle
from suite.testing.strategies import arrays
from suite.testing.tolerances import assert_close_to

DTYPES = (torch.float32, torch.float64)
sides = st.integers(1, 7)


def pairs_of(values):
    return st.tuples(values, values)


@st.composite
def conv_configs(draw):
    groups = draw(st.integers(1, 2))
    config = dict(
        in_channels=groups * draw(st.integers(1, 2)), out_channels=groups * draw(st.integers(1, 2)),
        kernel_size=draw(pairs_of(st.integers(1, 3))), stride=draw(pairs_of(st.integers(1, 3))),
        padding=draw(pairs_of(st.integers(0, 2))), dilation=draw(pairs_of(st.integers(1, 2))),
        groups=groups, bias=draw(st.booleans()),
    )
    shape = (draw(st.integers(1, 2)), config["in_channels"], draw(sides), draw(sides))
    return config, shape


def conv_output_shape(config, shape):
    sizes = [
        oracle.conv_output_size(shape[2 + i], config["kernel_size"][i], config["stride"][i],
                                config["padding"][i], config["dilation"][i])
        for i in range(2)
    ]
    return (shape[0], config["out_channels"], *sizes)


def conv_module(config, dtype, device, data):
    module = nn.Conv2d(**config).to(device=device, dtype=dtype)
    kernel = module.weight.shape
    weight = data.draw(arrays(dtype, tuple(kernel), small=True), label="weight")
    bias = data.draw(arrays(dtype, (config["out_channels"],), small=True), label="bias")
    with torch.no_grad():
        module.weight.copy_(torch.tensor(weight))
        if config["bias"]:
            module.bias.copy_(torch.tensor(bias))
    return module, weight, bias if config["bias"] else None


@given(case=conv_configs(), dtype=st.sampled_from(DTYPES), data=st.data())
def test_conv2d_matches_oracle_and_functional(device, case, dtype, data):
    """Conv2d's output shape follows the documented formula and its values the oracle's
    cross-correlation (stride, padding, dilation, groups, bias); F.conv2d gives the same."""
    config, shape = case
    expected_shape = conv_output_shape(config, shape)
    assume(min(expected_shape[2:]) >= 1)
    module, weight, bias = conv_module(config, dtype, device, data)
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    result = module(x)
    assert tuple(result.shape) == expected_shape
    expected = oracle.conv2d(x_np, weight, bias, config["stride"], config["padding"],
                             config["dilation"], config["groups"])
    assert_close_to(result, expected, dtype=dtype)
    functional = F.conv2d(x, module.weight, module.bias, config["stride"], config["padding"],
                          config["dilation"], config["groups"])
    assert torch.equal(result, functional), "nn.Conv2d and F.conv2d disagree"


def too_small_side(kernel, padding, dilation):
    """Sides that the dilated kernel cannot fit even with padding: side + 2p < d(k-1) + 1."""
    return st.integers(1, max(1, dilation * (kernel - 1) - 2 * padding))


@st.composite
def conv_configs_that_do_not_fit(draw):
    config, shape = draw(conv_configs())
    # a kernel that can overhang: d(k-1) - 2p >= 1, i.e. p <= (d(k-1) - 1) // 2
    kernel, dilation = draw(st.integers(2, 3)), config["dilation"][0]
    padding = draw(st.integers(0, (dilation * (kernel - 1) - 1) // 2))
    config["kernel_size"] = (kernel, config["kernel_size"][1])
    config["padding"] = (padding, config["padding"][1])
    height = draw(too_small_side(kernel, padding, dilation))
    return config, (*shape[:2], height, shape[3])


@given(case=conv_configs_that_do_not_fit())
def test_conv2d_kernel_larger_than_padded_input_raises(device, case):
    """When the dilated kernel does not fit the padded input, Conv2d raises RuntimeError."""
    config, shape = case
    assume(min(conv_output_shape(config, shape)[2:]) < 1)
    module = nn.Conv2d(**config).to(device)
    with pytest.raises(RuntimeError):
        module(torch.zeros(shape, device=device))


@given(case=conv_configs(), extra=st.integers(1, 2))
def test_conv2d_channel_mismatch_raises(device, case, extra):
    """An input whose channel count is not in_channels is rejected (the tutorial's Conv2d(1, 20, 5)
    fed a 3-channel image; see the claims catalog)."""
    config, shape = case
    module = nn.Conv2d(**config).to(device)
    wrong = (shape[0], shape[1] + extra, *shape[2:])
    with pytest.raises(RuntimeError, match="channels"):
        module(torch.zeros(wrong, device=device))


@st.composite
def pool_configs(draw, with_dilation=True):
    kernel = draw(st.integers(1, 4))
    return dict(
        kernel_size=kernel, stride=draw(st.integers(1, 3)), padding=draw(st.integers(0, kernel // 2)),
        dilation=draw(st.integers(1, 2)) if with_dilation else 1, ceil_mode=draw(st.booleans()),
    ), (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(sides), draw(sides))


def pool_output_shape(config, shape):
    sizes = [
        oracle.pool_output_size(side, config["kernel_size"], config["stride"], config["padding"],
                                config["dilation"], config["ceil_mode"])
        for side in shape[2:]
    ]
    return (*shape[:2], *sizes)


@given(case=pool_configs(), dtype=st.sampled_from(DTYPES), data=st.data())
def test_max_pool2d_matches_oracle_and_functional(device, case, dtype, data):
    """MaxPool2d: documented output size (ceil-mode rule included) and window maxima over the
    real (unpadded) positions; F.max_pool2d gives the same."""
    config, shape = case
    expected_shape = pool_output_shape(config, shape)
    assume(min(expected_shape[2:]) >= 1)
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    result = nn.MaxPool2d(**config)(x)
    assert tuple(result.shape) == expected_shape
    expected = oracle.max_pool2d(x_np, config["kernel_size"], config["stride"], config["padding"],
                                 config["dilation"], config["ceil_mode"])
    assert_close_to(result, expected, dtype=dtype)
    assert torch.equal(result, F.max_pool2d(x, **config)), "nn.MaxPool2d and F.max_pool2d disagree"


@given(case=pool_configs(with_dilation=False), count_include_pad=st.booleans(),
       dtype=st.sampled_from(DTYPES), data=st.data())
def test_avg_pool2d_matches_oracle_and_functional(device, case, count_include_pad, dtype, data):
    """AvgPool2d: documented output size and window means, with padding counted or not
    (count_include_pad); F.avg_pool2d gives the same."""
    config, shape = case
    expected_shape = pool_output_shape(config, shape)
    config = {name: value for name, value in config.items() if name != "dilation"}  # dilation 1
    assume(min(expected_shape[2:]) >= 1)
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    result = nn.AvgPool2d(**config, count_include_pad=count_include_pad)(x)
    assert tuple(result.shape) == expected_shape
    expected = oracle.avg_pool2d(x_np, config["kernel_size"], config["stride"], config["padding"],
                                 config["ceil_mode"], count_include_pad)
    assert_close_to(result, expected, dtype=dtype)
    functional = F.avg_pool2d(x, **config, count_include_pad=count_include_pad)
    assert torch.equal(result, functional), "nn.AvgPool2d and F.avg_pool2d disagree"


@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 2), sides, sides),
       output_size=pairs_of(st.integers(1, 9)), dtype=st.sampled_from(DTYPES), data=st.data())
def test_adaptive_avg_pool2d_uses_documented_bins(device, shape, output_size, dtype, data):
    """AdaptiveAvgPool2d averages bin i over [floor(i*In/Out), ceil((i+1)*In/Out)), for any
    output size, larger than the input too; F.adaptive_avg_pool2d gives the same."""
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    result = nn.AdaptiveAvgPool2d(output_size)(x)
    assert_close_to(result, oracle.adaptive_avg_pool2d(x_np, output_size), dtype=dtype)
    assert torch.equal(result, F.adaptive_avg_pool2d(x, output_size))


@given(kernel=st.integers(1, 4), excess=st.integers(1, 2), side=st.integers(5, 8),
       pool=st.sampled_from(["max_pool2d", "avg_pool2d"]))
def test_pool_padding_over_half_the_kernel_raises(device, kernel, excess, side, pool):
    """Pool padding may be at most half the kernel size (documented); more raises RuntimeError."""
    x = torch.zeros(1, 1, side, side, device=device)
    with pytest.raises(RuntimeError, match="pad"):
        getattr(F, pool)(x, kernel, 1, kernel // 2 + excess)


@st.composite
def pool_configs_that_do_not_fit(draw):
    config, shape = draw(pool_configs())
    height = draw(too_small_side(config["kernel_size"], config["padding"], config["dilation"]))
    return config, (*shape[:2], height, shape[3])


@given(case=pool_configs_that_do_not_fit())
def test_pool_kernel_larger_than_padded_input_raises(device, case):
    """A pooling window that cannot fit the padded input gives an empty output: RuntimeError."""
    config, shape = case
    assume(min(pool_output_shape(config, shape)[2:]) < 1)
    with pytest.raises(RuntimeError):
        F.max_pool2d(torch.zeros(shape, device=device), **config)
