"""Convolution and pooling (seeds 001, 002 Convolution/Pooling operators, 003).

Documented: the output size floor((size + 2p - d(k-1) - 1)/s) + 1 (ceil for pools in
ceil mode, where a last window starting in the right padding is dropped); values as the
formulas in the Conv2d/MaxPool2d/AvgPool2d/AdaptiveAvgPool2d docs, for every constructor
argument the seeds use over its documented range (Conv2d's stride, padding incl. 'valid'
and 'same', padding_mode, dilation, groups, bias; the pools' stride default, padding up
to half the kernel, dilation, ceil_mode, return_indices, count_include_pad,
divisor_override; AdaptiveAvgPool2d's None sizes); invalid configurations raise; each nn
module equals its torch.nn.functional form.

Oracles: reference/nn.py (numpy loops following the docs' formulas and wording, not
torch's source; where the docs are silent its docstrings say which reading they take).
The pool strategies aim at the corners on purpose, one parametrization each: dilation > 1
on 1-3 pixel inputs, windows mostly or wholly in padding, the last ceil-mode window,
padding at the documented limit. Inputs are small integers, so the oracle's float64 sums
are exact and the tolerance table covers the final rounding.
"""

import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np
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
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
sides = st.integers(1, 7)


def pairs_of(values):
    return st.tuples(values, values)


def least_side(kernel, dilation, padding, padding_mode):
    """The smallest side the dilated kernel fits once padded, within the padding mode's
    documented limit (reflect: padding < size; circular: padding <= size)."""
    fits = dilation * (kernel - 1) + 1 - 2 * padding
    by_mode = {"reflect": padding + 1, "circular": padding}.get(padding_mode, 1)
    return max(1, fits, by_mode)


@st.composite
def conv_axes(draw, padding_mode):
    """(kernel, stride, padding, dilation, side) of one dim; sides start at the least that
    fits, so dilated kernels meet 1-3 pixel inputs whenever the padding allows."""
    kernel, dilation, padding = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(0, 2))
    side = least_side(kernel, dilation, padding, padding_mode) + draw(st.integers(0, 2))
    return kernel, draw(st.integers(1, 3)), padding, dilation, side


@st.composite
def conv_configs(draw, padding_mode="zeros"):
    groups = draw(st.integers(1, 3))
    (kh, sh, ph, dh, height), (kw, sw, pw, dw, width) = draw(conv_axes(padding_mode)), draw(conv_axes(padding_mode))
    config = {
        "in_channels": groups * draw(st.integers(1, 2)), "out_channels": groups * draw(st.integers(1, 2)),
        "kernel_size": (kh, kw), "stride": (sh, sw), "padding": (ph, pw), "dilation": (dh, dw),
        "groups": groups, "bias": draw(st.booleans()), "padding_mode": padding_mode,
    }
    shape = (draw(st.integers(1, 2)), config["in_channels"], height, width)
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


# one test item for all padding modes: each new conv shape costs torch a few ms to set up
@given(padding_mode=st.sampled_from(PADDING_MODES), data=st.data(), dtype=st.sampled_from(DTYPES))
def test_conv2d_matches_oracle_and_functional(device, padding_mode, data, dtype):
    """Conv2d's output shape follows the documented formula and its values the oracle's
    cross-correlation (stride, padding in each padding_mode within its documented limit,
    dilation, groups, bias; bias=False leaves no bias); F.conv2d gives the same (zeros)."""
    config, shape = data.draw(conv_configs(padding_mode), label="case")
    module, weight, bias = conv_module(config, dtype, device, data)
    assert (module.bias is None) == (not config["bias"]), "bias=False must leave no bias"
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    result = module(x)
    assert tuple(result.shape) == conv_output_shape(config, shape)
    expected = oracle.conv2d(x_np, weight, bias, config["stride"], config["padding"],
                             config["dilation"], config["groups"], padding_mode)
    assert_close_to(result, expected, dtype=dtype)
    if padding_mode == "zeros":  # F.conv2d has no padding_mode: it always pads with zeros
        functional = F.conv2d(x, module.weight, module.bias, config["stride"], config["padding"],
                              config["dilation"], config["groups"])
        assert torch.equal(result, functional), "nn.Conv2d and F.conv2d disagree"


@st.composite
def string_padding_cases(draw, padding):
    """A Conv2d config with padding 'valid' (sides that fit the kernel) or 'same' (stride 1,
    sides within the padding mode's limit for the padding 'same' needs)."""
    padding_mode = draw(st.sampled_from(PADDING_MODES))
    groups = draw(st.integers(1, 2))
    kernel, dilation = draw(pairs_of(st.integers(1, 4))), draw(pairs_of(st.integers(1, 3)))
    if padding == "same":
        stride = (1, 1)
        least = [least_side(1, 1, max(map(max, oracle.same_padding_splits(k, d))), padding_mode)
                 for k, d in zip(kernel, dilation)]
    else:
        stride = draw(pairs_of(st.integers(1, 3)))
        least = [least_side(k, d, 0, padding_mode) for k, d in zip(kernel, dilation)]
    config = {
        "in_channels": groups * draw(st.integers(1, 2)), "out_channels": groups * draw(st.integers(1, 2)),
        "kernel_size": kernel, "stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
        "bias": draw(st.booleans()), "padding_mode": padding_mode,
    }
    shape = (draw(st.integers(1, 2)), config["in_channels"],
             *(side + draw(st.integers(0, 2)) for side in least))
    return config, shape


def assert_close_to_one_of(result, candidates, dtype):
    failures = []
    for candidate in candidates:
        try:
            assert_close_to(result, candidate, dtype=dtype)
            return
        except AssertionError as failure:
            failures.append(str(failure))
    raise AssertionError("matches none of the documented readings:\n" + "\n".join(failures))


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # even kernels: a performance note
@pytest.mark.parametrize("padding", ["valid", "same"])
@given(data=st.data(), dtype=st.sampled_from(DTYPES))
def test_conv2d_string_padding(device, padding, data, dtype):
    """padding='valid' is no padding; padding='same' pads (in padding_mode) so that the output
    has the input's shape: dilation*(k-1) in all per dim, split evenly where that is even (the
    docs leave open which side takes an odd total's extra element, so either is accepted);
    F.conv2d takes the same strings."""
    config, shape = data.draw(string_padding_cases(padding), label="case")
    module, weight, bias = conv_module(config, dtype, device, data)
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    result = module(x)
    arguments = (config["stride"], config["dilation"], config["groups"], config["padding_mode"])
    if padding == "same":
        assert tuple(result.shape[2:]) == shape[2:], "padding='same' changed the spatial shape"
        splits = [oracle.same_padding_splits(k, d)
                  for k, d in zip(config["kernel_size"], config["dilation"])]
        candidates = [oracle.conv2d(x_np, weight, bias, arguments[0], per_side, *arguments[1:])
                      for per_side in itertools.product(*splits)]
        assert_close_to_one_of(result, candidates, dtype)
    else:
        assert_close_to(result, oracle.conv2d(x_np, weight, bias, arguments[0], "valid", *arguments[1:]),
                        dtype=dtype)
    if config["padding_mode"] == "zeros":
        functional = F.conv2d(x, module.weight, module.bias, config["stride"], padding,
                              config["dilation"], config["groups"])
        assert torch.equal(result, functional), "nn.Conv2d and F.conv2d disagree"


@given(stride=pairs_of(st.integers(1, 3)).filter(lambda stride: max(stride) > 1),
       kernel=pairs_of(st.integers(1, 3)))
def test_conv2d_same_padding_rejects_strides(device, stride, kernel):
    """padding='same' "doesn't support any stride values other than 1": Conv2d and F.conv2d
    refuse a stride > 1 in any dim."""
    with pytest.raises((ValueError, RuntimeError)):
        nn.Conv2d(1, 1, kernel, stride=stride, padding="same")
    with pytest.raises((ValueError, RuntimeError)):
        F.conv2d(torch.zeros(1, 1, 4, 4, device=device), torch.zeros(1, 1, *kernel, device=device),
                 stride=stride, padding="same")


@given(groups=st.integers(2, 4), in_channels=st.integers(1, 8), out_channels=st.integers(1, 8))
def test_conv2d_groups_must_divide_both_channel_counts(groups, in_channels, out_channels):
    """"in_channels and out_channels must both be divisible by groups": Conv2d refuses
    either one not divisible."""
    assume(in_channels % groups or out_channels % groups)
    with pytest.raises((ValueError, RuntimeError)):
        nn.Conv2d(in_channels, out_channels, 1, groups=groups)


def too_small_side(kernel, padding, dilation):
    """Sides that the dilated kernel cannot fit even with padding: side + 2p < d(k-1) + 1."""
    return st.integers(1, max(1, dilation * (kernel - 1) - 2 * padding))


@st.composite
def conv_configs_that_do_not_fit(draw):
    config, shape = draw(conv_configs())
    # a kernel that can overhang: d(k-1) - 2p >= 1, i.e. p <= (d(k-1) - 1) // 2
    kernel, dilation = draw(st.integers(2, 3)), draw(st.integers(1, 2))
    padding = draw(st.integers(0, (dilation * (kernel - 1) - 1) // 2))
    config["kernel_size"] = (kernel, config["kernel_size"][1])
    config["padding"] = (padding, config["padding"][1])
    config["dilation"] = (dilation, config["dilation"][1])
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


@dataclass(frozen=True)
class PoolAxis:
    """One dim of a pooling window: the input size and the window's arguments along it."""

    size: int
    kernel: int
    stride: int
    padding: int
    dilation: int

    def output_size(self, ceil_mode):
        return oracle.pool_output_size(self.size, self.kernel, self.stride, self.padding,
                                       self.dilation, ceil_mode)

    def edges(self, ceil_mode):
        """The corners this axis reaches, by the docs' geometry: taps start + d*m of window
        i (start = i*stride - padding) lie in the input, the padding, or past both."""
        found = set()
        for index in range(self.output_size(ceil_mode)):
            start = index * self.stride - self.padding
            real = sum(0 <= start + self.dilation * m < self.size for m in range(self.kernel))
            if real == 0:
                found.add("window_wholly_in_padding")
            elif real < self.kernel - real:
                found.add("window_mostly_in_padding")
        if ceil_mode and self.output_size(True) > self.output_size(False):
            found.add("last_ceil_mode_window")  # the window that floor mode would not have
        if self.dilation > 1 and self.kernel > 1 and self.size <= 3:  # (one tap: no spacing)
            found.add("dilated_on_tiny_input")
        if self.padding >= 1 and self.padding == self.kernel // 2:
            found.add("padding_at_limit")
        return found


@cache
def pool_axes(ceil_mode, dilated, edge):
    """Every small axis with a non-empty output that reaches `edge` ("anywhere": all)."""
    axes = (PoolAxis(size, kernel, stride, padding, dilation)
            for size, kernel, stride, dilation in itertools.product(
                range(1, 7), range(1, 5), range(1, 4), range(1, 4 if dilated else 2))
            for padding in range(kernel // 2 + 1))
    return [axis for axis in axes if axis.output_size(ceil_mode) >= 1
            and (edge == "anywhere" or edge in axis.edges(ceil_mode))]


@st.composite
def pool_cases(draw, edge="anywhere", dilated=True):
    """A pool config whose height or width reaches `edge`; the other dim is any axis."""
    ceil_mode = edge == "last_ceil_mode_window" or draw(st.booleans())
    reaching = draw(st.sampled_from(pool_axes(ceil_mode, dilated, edge)))
    other = draw(st.sampled_from(pool_axes(ceil_mode, dilated, "anywhere")))
    height, width = (reaching, other) if draw(st.booleans()) else (other, reaching)
    config = {
        "kernel_size": (height.kernel, width.kernel), "stride": (height.stride, width.stride),
        "padding": (height.padding, width.padding), "ceil_mode": ceil_mode,
    }
    if dilated:
        config["dilation"] = (height.dilation, width.dilation)
    return config, (draw(st.integers(1, 2)), draw(st.integers(1, 2)), height.size, width.size)


MAX_POOL_EDGES = ("anywhere", "dilated_on_tiny_input", "window_mostly_in_padding",
                  "window_wholly_in_padding", "last_ceil_mode_window", "padding_at_limit")
# an average pool has no dilation, and each window keeps an input position (it starts at
# -padding at the earliest, padding <= kernel/2, and the last one starts inside the input)
AVG_POOL_EDGES = ("anywhere", "window_mostly_in_padding", "last_ceil_mode_window", "padding_at_limit")


def pool_output_shape(config, shape):
    dilation = oracle.pair(config.get("dilation", 1))
    stride = config.get("stride") or config["kernel_size"]
    sizes = [
        oracle.pool_output_size(side, oracle.pair(config["kernel_size"])[i], oracle.pair(stride)[i],
                                oracle.pair(config["padding"])[i], dilation[i], config["ceil_mode"])
        for i, side in enumerate(shape[2:])
    ]
    return (*shape[:2], *sizes)


def assert_indices_name_window_maxima(indices, x_np, expected, config):
    """Each index is a flat h*W + w position of its own window holding that window's max
    (any of tied maxima); a window wholly in padding has no such position (docs silent)."""
    windows = oracle.max_pool2d_windows(*x_np.shape[2:], config["kernel_size"], config["stride"],
                                        config["padding"], config["dilation"], config["ceil_mode"])
    for (n, c, i, j), index in np.ndenumerate(indices.cpu().numpy()):
        if windows[i][j]:
            assert index in windows[i][j], f"index {index} of window {(i, j)} lies outside it"
            assert x_np[n, c].flat[index] == expected[n, c, i, j], f"index {index} is not the max"


@pytest.mark.parametrize("edge", MAX_POOL_EDGES)
@given(data=st.data(), dtype=st.sampled_from(DTYPES), return_indices=st.booleans())
def test_max_pool2d_matches_oracle_and_functional(device, edge, data, dtype, return_indices):
    """MaxPool2d: documented output size (ceil-mode rule included), window maxima over the
    -inf-padded input (-inf for a window on padding alone), return_indices naming a max of
    each window; F.max_pool2d gives the same. Each `edge` forces one corner into the input."""
    config, shape = data.draw(pool_cases(edge), label="case")
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    result = nn.MaxPool2d(**config, return_indices=return_indices)(x)
    values, indices = result if return_indices else (result, None)
    assert tuple(values.shape) == pool_output_shape(config, shape)
    expected = oracle.max_pool2d(x_np, config["kernel_size"], config["stride"], config["padding"],
                                 config["dilation"], config["ceil_mode"])
    assert_close_to(values, expected, dtype=dtype)
    functional = F.max_pool2d(x, **config, return_indices=return_indices)
    if return_indices:
        assert indices.dtype == torch.int64 and indices.shape == values.shape
        assert_indices_name_window_maxima(indices, x_np, expected, config)
        assert torch.equal(indices, functional[1]), "nn.MaxPool2d and F.max_pool2d indices disagree"
        functional = functional[0]
    assert torch.equal(values, functional), "nn.MaxPool2d and F.max_pool2d disagree"


divisor_overrides = st.one_of(st.none(), st.integers(-3, 9).filter(bool))


@pytest.mark.parametrize("edge", AVG_POOL_EDGES)
@given(data=st.data(), count_include_pad=st.booleans(), divisor_override=divisor_overrides,
       dtype=st.sampled_from(DTYPES))
def test_avg_pool2d_matches_oracle_and_functional(device, edge, data, count_include_pad,
                                                  divisor_override, dtype):
    """AvgPool2d: documented output size and window means over the zero-padded input, with
    the padding counted or not (count_include_pad), the off-bounds part of a ceil-mode
    window in neither, or divided by divisor_override (any non-zero int); F.avg_pool2d gives
    the same."""
    config, shape = data.draw(pool_cases(edge, dilated=False), label="case")
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    options = dict(config, count_include_pad=count_include_pad, divisor_override=divisor_override)
    result = nn.AvgPool2d(**options)(x)
    assert tuple(result.shape) == pool_output_shape(config, shape)
    expected = oracle.avg_pool2d(x_np, config["kernel_size"], config["stride"], config["padding"],
                                 config["ceil_mode"], count_include_pad, divisor_override)
    assert_close_to(result, expected, dtype=dtype)
    assert torch.equal(result, F.avg_pool2d(x, **options)), "nn.AvgPool2d and F.avg_pool2d disagree"


@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
@given(data=st.data(), dtype=st.sampled_from(DTYPES))
def test_pools_stride_defaults_to_kernel_size(device, pool, data, dtype):
    """Without a stride, MaxPool2d and AvgPool2d (and their functional forms) step by the
    kernel size: "Default value is kernel_size"."""
    config, shape = data.draw(pool_cases(dilated=False), label="case")
    del config["stride"]
    assume(min(pool_output_shape(config, shape)[2:]) >= 1)
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    module = {"max_pool2d": nn.MaxPool2d, "avg_pool2d": nn.AvgPool2d}[pool]
    expected = getattr(oracle, pool)(x_np, config["kernel_size"], None, config["padding"],
                                     ceil_mode=config["ceil_mode"])
    assert_close_to(module(**config)(x), expected, dtype=dtype)
    assert_close_to(getattr(F, pool)(x, **config), expected, dtype=dtype)


output_sizes = st.one_of(st.integers(1, 9), pairs_of(st.one_of(st.none(), st.integers(1, 9))))


@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 2), sides, sides),
       output_size=output_sizes, dtype=st.sampled_from(DTYPES), data=st.data())
def test_adaptive_avg_pool2d_uses_documented_bins(device, shape, output_size, dtype, data):
    """AdaptiveAvgPool2d gives an output_size output (H for H x H; None keeps that input size)
    whose bin i averages [floor(i*In/Out), ceil((i+1)*In/Out)), for any output size, larger
    than the input too; F.adaptive_avg_pool2d gives the same."""
    x_np = data.draw(arrays(dtype, shape, small=True), label="x")
    x = torch.tensor(x_np, device=device)
    result = nn.AdaptiveAvgPool2d(output_size)(x)
    assert_close_to(result, oracle.adaptive_avg_pool2d(x_np, output_size), dtype=dtype)
    assert torch.equal(result, F.adaptive_avg_pool2d(x, output_size))


@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
@given(kernel=st.integers(1, 4), excess=st.integers(1, 2), dilation=st.integers(1, 3),
       side=st.integers(5, 8))
def test_pool_padding_over_half_the_kernel_raises(device, pool, kernel, excess, dilation, side):
    """Pool padding may be at most half the kernel size (documented for F.max_pool2d, dilation
    or not, and for AvgPool2d); more raises RuntimeError."""
    x = torch.zeros(1, 1, side, side, device=device)
    more = {"dilation": dilation} if pool == "max_pool2d" else {}
    with pytest.raises(RuntimeError, match="pad"):
        getattr(F, pool)(x, kernel, 1, kernel // 2 + excess, **more)


@st.composite
def pool_configs_that_do_not_fit(draw):
    kernel, padding, dilation = draw(st.integers(1, 4)), draw(st.integers(0, 2)), draw(st.integers(1, 2))
    assume(padding <= kernel // 2)
    config = {"kernel_size": kernel, "stride": draw(st.integers(1, 3)), "padding": padding,
                  "dilation": dilation, "ceil_mode": draw(st.booleans())}
    height = draw(too_small_side(kernel, padding, dilation))
    return config, (draw(st.integers(1, 2)), draw(st.integers(1, 2)), height, draw(sides))


@given(case=pool_configs_that_do_not_fit())
def test_pool_kernel_larger_than_padded_input_raises(device, case):
    """A pooling window that cannot fit the padded input gives an empty output: RuntimeError."""
    config, shape = case
    assume(min(pool_output_shape(config, shape)[2:]) < 1)
    with pytest.raises(RuntimeError):
        F.max_pool2d(torch.zeros(shape, device=device), **config)
