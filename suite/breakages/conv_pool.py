"""Deliberately broken torches for the convolution and pooling tests (see suite/breakages/__init__.py)."""

import torch
import torch.nn.functional as F

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
]
