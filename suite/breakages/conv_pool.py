"""Deliberately broken torches for the convolution and pooling tests (see suite/breakages/__init__.py)."""

import torch
import torch.nn.functional as F
from torch import nn

from reference.nn import pair
from suite.breakages import FAILED, Breakage, wrap


def conv_flips_kernel(mp):
    """A true convolution instead of PyTorch's cross-correlation."""
    wrap(mp, F, "conv2d", lambda conv2d: lambda x, weight, *a, **k: conv2d(x, weight.flip(-1, -2), *a, **k))


def conv_ignores_dilation(mp):
    wrap(mp, F, "conv2d", lambda conv2d: lambda x, w, b=None, stride=1, padding=0, dilation=1, groups=1:
         conv2d(x, w, b, stride, padding, 1, groups))


def conv_drops_extra_channels(mp):
    def make(conv2d):
        def broken(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
            return conv2d(x[:, : w.shape[1] * groups], w, b, stride, padding, dilation, groups)

        return broken

    wrap(mp, F, "conv2d", make)


def silently_empty(name):
    """The op returns an empty tensor where it should raise."""

    def patch(mp):
        def make(op):
            def broken(x, *a, **k):
                try:
                    return op(x, *a, **k)
                except RuntimeError:
                    return x.new_empty(0)

            return broken

        wrap(mp, F, name, make)

    return patch


def max_pool_ignores_ceil_mode(mp):
    wrap(mp, F, "max_pool2d", lambda pool: lambda *a, ceil_mode=False, **k: pool(*a, ceil_mode=False, **k))


def avg_pool_always_counts_padding(mp):
    def make(pool):
        def broken(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                   divisor_override=None):
            return pool(x, kernel_size, stride, padding, ceil_mode, True, divisor_override)

        return broken

    wrap(mp, F, "avg_pool2d", make)


def adaptive_pool_uses_floor_bins(mp):
    """Bins [floor(i*In/Out), floor((i+1)*In/Out)) (at least one element) instead of the ceil end."""

    def broken(x, output_size):
        (out_h, out_w), (height, width) = pair(output_size), x.shape[-2:]
        out_h, out_w = out_h or height, out_w or width  # None keeps the input size

        def bin_of(i, size, out):
            start = i * size // out
            return slice(start, max((i + 1) * size // out, start + 1))

        rows = [
            torch.stack([x[..., bin_of(i, height, out_h), bin_of(j, width, out_w)].mean(dim=(-1, -2))
                         for j in range(out_w)], dim=-1)
            for i in range(out_h)
        ]
        return torch.stack(rows, dim=-2)

    mp.setattr(F, "adaptive_avg_pool2d", broken)


def pools_clamp_padding(mp):
    for name in ("max_pool2d", "avg_pool2d"):
        wrap(mp, F, name, lambda pool: lambda x, kernel, stride=None, padding=0, *a, **k: pool(
            x, kernel, stride, min(padding, kernel // 2), *a, **k))


def padding_modes_replicate(mp):
    """Conv2d's reflect and circular padding (F.pad under the hood) repeat the edge instead."""
    wrap(mp, F, "pad", lambda pad: lambda x, p, mode="constant", *a, **k: pad(
        x, p, "replicate" if mode in ("reflect", "circular") else mode, *a, **k))


def same_and_valid_swapped(mp):
    swapped = {"same": "valid", "valid": "same"}

    def make(conv2d):
        def broken(x, w, b=None, stride=1, padding=0, *a, **k):
            return conv2d(x, w, b, stride, swapped.get(padding, padding) if isinstance(padding, str)
                          else padding, *a, **k)

        return broken

    wrap(mp, F, "conv2d", make)


def conv_constructor_lenient(mp):
    """Conv2d accepts what it must refuse: groups that do not divide the channels (it falls
    back to groups=1) and padding='same' with a stride (it falls back to stride 1)."""

    def make(init):
        def broken(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                   groups=1, *a, **k):
            if in_channels % groups or out_channels % groups:
                groups = 1
            if padding == "same":
                stride = 1
            init(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, *a, **k)

        return broken

    wrap(mp, nn.Conv2d, "__init__", make)


def max_pool_ignores_dilation(mp):
    wrap(mp, F, "max_pool2d", lambda pool: lambda x, kernel_size, stride=None, padding=0, dilation=1, *a, **k:
         pool(x, kernel_size, stride, padding, 1, *a, **k))


def max_pool_pads_with_zeros(mp):
    """Zero padding instead of the documented -inf: a window of negatives near an edge gives 0."""

    def make(pool):
        def broken(x, kernel_size, stride=None, padding=0, *a, **k):
            (ph, pw) = pair(padding)
            stride = kernel_size if stride in (None, ()) else stride
            return pool(F.pad(x, (pw, pw, ph, ph)), kernel_size, stride, 0, *a, **k)

        return broken

    wrap(mp, F, "max_pool2d", make)


def max_pool_padding_only_window_is_zero(mp):
    """A window lying wholly in padding gives 0 instead of the max of -inf values."""

    def make(pool):
        def broken(*a, **k):
            result = pool(*a, **k)
            values = result[0] if isinstance(result, tuple) else result
            values.masked_fill_(values == float("-inf"), 0)
            return result

        return broken

    wrap(mp, F, "max_pool2d", make)


def max_pool_indices_transposed(mp):
    """return_indices gives w * H + h instead of the documented flat h * W + w."""

    def make(pool):
        def broken(x, *a, **k):
            result = pool(x, *a, **k)
            if not isinstance(result, tuple):
                return result
            values, indices = result
            height, width = x.shape[-2:]
            return values, (indices % width) * height + indices // width

        return broken

    wrap(mp, F, "max_pool2d", make)


def avg_pool_divides_by_kernel_area(mp):
    """count_include_pad divides by kH*kW even where a ceil-mode window runs off the padded input."""

    def make(pool):
        def broken(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                   divisor_override=None):
            if not count_include_pad or divisor_override is not None:
                return pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
            kh, kw = pair(kernel_size)
            return pool(x, kernel_size, stride, padding, ceil_mode, True, 1) / (kh * kw)

        return broken

    wrap(mp, F, "avg_pool2d", make)


def avg_pool_ignores_divisor_override(mp):
    wrap(mp, F, "avg_pool2d", lambda pool: lambda *a, divisor_override=None, **k: pool(*a, **k))


def pools_stride_defaults_to_one(mp):
    """A pool built or called without a stride steps by 1 instead of the kernel size."""
    for name in ("max_pool2d", "avg_pool2d"):
        wrap(mp, F, name, lambda pool: lambda x, kernel_size, stride=None, *a, **k: pool(
            x, kernel_size, 1 if stride in (None, ()) else stride, *a, **k))
    for module in (nn.MaxPool2d, nn.AvgPool2d):
        wrap(mp, module, "__init__", lambda init: lambda self, kernel_size, stride=None, *a, **k: init(
            self, kernel_size, 1 if stride is None else stride, *a, **k))


def adaptive_pool_none_means_one(mp):
    """A None entry of output_size gives 1 instead of the input's size."""

    def make(pool):
        def broken(x, output_size):
            if isinstance(output_size, (tuple, list)):
                output_size = tuple(1 if size is None else size for size in output_size)
            return pool(x, output_size)

        return broken

    wrap(mp, F, "adaptive_avg_pool2d", make)


BREAKAGES = [
    Breakage("conv-flips-kernel", conv_flips_kernel, [
        "suite/conformance/test_conv_pool.py::test_conv2d_matches_oracle_and_functional",
    ]),
    Breakage("conv-ignores-dilation", conv_ignores_dilation, [
        "suite/conformance/test_conv_pool.py::test_conv2d_matches_oracle_and_functional",
        "suite/conformance/test_conv_pool.py::test_conv2d_kernel_larger_than_padded_input_raises",
    ]),
    Breakage("conv-drops-extra-channels", conv_drops_extra_channels, [
        "suite/conformance/test_conv_pool.py::test_conv2d_channel_mismatch_raises",
    ]),
    Breakage("conv-silently-empty", silently_empty("conv2d"), [
        "suite/conformance/test_conv_pool.py::test_conv2d_kernel_larger_than_padded_input_raises",
    ]),
    # without ceil mode some windows no longer fit: torch's own size error is a failure too
    Breakage("max_pool-ignores-ceil_mode", max_pool_ignores_ceil_mode, [
        "suite/conformance/test_conv_pool.py::test_max_pool2d_matches_oracle_and_functional",
    ], caught_as=FAILED + (RuntimeError,)),
    Breakage("avg_pool-always-counts-padding", avg_pool_always_counts_padding, [
        "suite/conformance/test_conv_pool.py::test_avg_pool2d_matches_oracle_and_functional",
    ]),
    Breakage("adaptive-pool-floor-bins", adaptive_pool_uses_floor_bins, [
        "suite/conformance/test_conv_pool.py::test_adaptive_avg_pool2d_uses_documented_bins",
    ]),
    Breakage("pools-clamp-padding", pools_clamp_padding, [
        "suite/conformance/test_conv_pool.py::test_pool_padding_over_half_the_kernel_raises",
    ]),
    Breakage("max_pool-silently-empty", silently_empty("max_pool2d"), [
        "suite/conformance/test_conv_pool.py::test_pool_kernel_larger_than_padded_input_raises",
    ]),
    Breakage("conv-padding-modes-replicate", padding_modes_replicate, [
        "suite/conformance/test_conv_pool.py::test_conv2d_matches_oracle_and_functional",
        "suite/conformance/test_conv_pool.py::test_conv2d_string_padding[*-same]",
    ]),
    # 'valid' padded as 'same' and back: shapes change, and some kernels no longer fit
    Breakage("conv-same-valid-swapped", same_and_valid_swapped, [
        "suite/conformance/test_conv_pool.py::test_conv2d_string_padding",
    ], caught_as=FAILED + (RuntimeError,)),
    Breakage("conv-constructor-lenient", conv_constructor_lenient, [
        "suite/conformance/test_conv_pool.py::test_conv2d_same_padding_rejects_strides",
        "suite/conformance/test_conv_pool.py::test_conv2d_groups_must_divide_both_channel_counts",
    ]),
    Breakage("max_pool-ignores-dilation", max_pool_ignores_dilation, [
        "suite/conformance/test_conv_pool.py::test_max_pool2d_matches_oracle_and_functional[*-dilated_on_tiny_input]",
        "suite/conformance/test_conv_pool.py::test_max_pool2d_matches_oracle_and_functional[*-window_wholly_in_padding]",
    ]),
    Breakage("max_pool-pads-with-zeros", max_pool_pads_with_zeros, [
        "suite/conformance/test_conv_pool.py::test_max_pool2d_matches_oracle_and_functional[*-window_mostly_in_padding]",
        "suite/conformance/test_conv_pool.py::test_max_pool2d_matches_oracle_and_functional[*-window_wholly_in_padding]",
        "suite/conformance/test_conv_pool.py::test_max_pool2d_matches_oracle_and_functional[*-padding_at_limit]",
    ]),
    Breakage("max_pool-padding-only-window-is-zero", max_pool_padding_only_window_is_zero, [
        "suite/conformance/test_conv_pool.py::test_max_pool2d_matches_oracle_and_functional[*-window_wholly_in_padding]",
    ]),
    # (a window wholly in padding sits on a 1-3 pixel side, where the transpose often agrees)
    Breakage("max_pool-indices-transposed", max_pool_indices_transposed, [
        f"suite/conformance/test_conv_pool.py::test_max_pool2d_matches_oracle_and_functional[*-{edge}]"
        for edge in ("anywhere", "dilated_on_tiny_input", "window_mostly_in_padding",
                     "last_ceil_mode_window", "padding_at_limit")
    ]),
    Breakage("avg_pool-divides-by-kernel-area", avg_pool_divides_by_kernel_area, [
        "suite/conformance/test_conv_pool.py::test_avg_pool2d_matches_oracle_and_functional[*-last_ceil_mode_window]",
    ]),
    Breakage("avg_pool-ignores-divisor_override", avg_pool_ignores_divisor_override, [
        "suite/conformance/test_conv_pool.py::test_avg_pool2d_matches_oracle_and_functional",
    ]),
    Breakage("pools-stride-defaults-to-one", pools_stride_defaults_to_one, [
        "suite/conformance/test_conv_pool.py::test_pools_stride_defaults_to_kernel_size",
    ]),
    Breakage("adaptive-pool-None-means-one", adaptive_pool_none_means_one, [
        "suite/conformance/test_conv_pool.py::test_adaptive_avg_pool2d_uses_documented_bins",
    ]),
]
