"""torch.nn.init and the default initialisation of nn.Linear and nn.Conv2d.

Seeds: 004 (initialize_weights: init.xavier_uniform_(m.weight.data), the nn.init docs).

Oracles: the documented formulas in reference/init.py (fan_in / fan_out, calculate_gain's
table, each initialiser's bound or std, nn.Linear's and nn.Conv2d's k) give the
distribution each initialiser documents; scipy.stats gives that distribution (uniform,
norm, truncnorm) and the tests of a sample against it:

- bounds: every value within the distribution's support, widened by one unit in the last
  place of the dtype (a value drawn in [a, b] may round onto a neighbour of a or b);
- a Kolmogorov-Smirnov test against the documented CDF, made exact for rounded samples:
  each value of a low-precision dtype stands for a value within one ulp of it, so the CDF
  is taken at the far edge of that cell on each side (conservative: a correct torch fails
  at most ALPHA of the time);
- a TAIL test for the normal families: the count of samples more than TAIL_K std devs
  from the mean against a binomial with the distribution's tail mass there (KS cannot
  see a small point mass far out, which is what pytorch#145498 is: trunc_normal_ on a
  16-bit tensor before 2.12, a strict xfail there via reference/bugs.py).

Every statistical check rejects a correct torch with probability at most ALPHA = 1e-6.
Each example seeds torch with a seed hypothesis draws, so it reruns identically; with the
default 25 examples and about three checks each, a test function fails falsely at most
about once in 10^4 runs.
"""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference import init as ref
from suite.testing.strategies import (
    FLOAT, NUMPY_DTYPE, dtype_id, dtypes, shapes, without_shrinking,
)
from suite.testing.tolerances import assert_close_to, to_numpy

init = torch.nn.init

ALPHA = 1e-6  # false-failure rate of each statistical check
SAMPLES = 10_000  # values per KS test: its critical distance at ALPHA is about 0.027
TAIL_K = 5  # "far out": beyond 5 std devs a normal has mass 5.7e-7

INIT_DTYPES = (torch.float32, torch.float64, torch.bfloat16, torch.float16)
# drawn by most tests; trunc_normal_ is parametrized by it (pytorch#145498 is 16-bit only)
init_dtypes = st.sampled_from(INIT_DTYPES)
DTYPES = [pytest.param(dtype, id=dtype_id(dtype)) for dtype in INIT_DTYPES]

# explicit mantissa bits, and the smallest subnormal: one ulp of x is at most
# |x| * 2**-bits, or the smallest subnormal near zero
MANTISSA_BITS = {torch.float16: 10, torch.bfloat16: 7, torch.float32: 23, torch.float64: 52}
SMALLEST = {torch.float16: 2.0**-24, torch.bfloat16: 2.0**-133, torch.float32: 2.0**-149,
            torch.float64: 5e-324}

seeds = st.integers(0, 2**32 - 1)


# --- the statistical checks ---


def ulp(x, dtype):
    """An upper bound on the spacing of `dtype` around x."""
    return np.abs(x) * 2.0 ** -MANTISSA_BITS[dtype] + SMALLEST[dtype]


def assert_within(values, low, high, dtype, what):
    lowest, highest = values.min(), values.max()
    assert lowest >= low - ulp(low, dtype) and highest <= high + ulp(high, dtype), (
        f"{what}: values in [{lowest:.6g}, {highest:.6g}], documented [{low:.6g}, {high:.6g}]"
    )


# A 16-bit dtype's random draws may sit on a grid coarser than its ulp near zero: torch
# draws a bfloat16 uniform from as many random bits as the dtype has digits, so its values
# are k * (b - a) / 2**8 apart wherever they lie. The KS cells below are widened to that
# grid, at the cost of some power, so the rounding alone cannot fail a correct torch.
GRID_STEP = {torch.bfloat16: 2.0**-8, torch.float16: 2.0**-11, torch.float32: 0.0,
             torch.float64: 0.0}


def ks_pvalue(values, cdf, dtype) -> float:
    """Two-sided one-sample KS test of values (of `dtype`) against `cdf`, each value taken
    as standing for one within an ulp of it (or a grid step of the sample's span, for 16-bit
    dtypes); the p-value is scipy.stats.kstwo's, which a rounded (discrete) sample only makes
    conservative."""
    n = len(values)
    grid, first, counts = np.unique(np.sort(values), return_index=True, return_counts=True)
    below, upto = first / n, (first + counts) / n  # ECDF just below and at each value
    width = np.maximum(ulp(grid, dtype), GRID_STEP[dtype] * (grid[-1] - grid[0]))
    distance = max(np.max(upto - cdf(grid + width)), np.max(cdf(grid - width) - below), 0.0)
    return float(scipy.stats.kstwo.sf(distance, n))


def assert_distributed_as(values, distribution, dtype, what, center=None, scale=None, cdf=None):
    """KS against distribution (or `cdf`, the same CDF computed faster); with center and
    scale, the TAIL test beyond TAIL_K scales."""
    p_value = ks_pvalue(values, cdf or distribution.cdf, dtype)
    assert p_value >= ALPHA, f"{what}: KS p-value {p_value:.2e} over {len(values)} values"
    if center is None:
        return
    low, high = center - TAIL_K * scale, center + TAIL_K * scale
    far = int(np.count_nonzero((values < low) | (values > high)))
    mass = float(distribution.cdf(low) + distribution.sf(high))
    if mass == 0.0:
        assert far == 0, f"{what}: {far} values beyond {TAIL_K} std devs, where there is no mass"
        return
    p_value = scipy.stats.binomtest(far, len(values), mass).pvalue
    assert p_value >= ALPHA, (
        f"{what}: {far} of {len(values)} values beyond {TAIL_K} std devs, expected "
        f"{mass * len(values):.3g} (binomial p-value {p_value:.2e})"
    )


def draw_values(fill, shape, dtype, device, count=SAMPLES):
    """At least `count` values of `fill` (an in-place initialiser returning its tensor),
    refilling one tensor of `shape` as many times as that takes."""
    tensor = torch.empty(shape, dtype=dtype, device=device)
    values = []
    for _ in range(math.ceil(count / tensor.numel())):
        assert fill(tensor) is tensor, "the initialiser returned another tensor"
        values.append(to_numpy(tensor).ravel().astype(np.float64))
    return np.concatenate(values)


# --- shapes, parameters ---


@st.composite
def weight_shapes(draw, min_numel=1_000, max_numel=10_000):
    """(d0, d1, *kernel) with 0 to 2 kernel dims and a numel in range; which of d0, d1 is
    drawn freely is drawn too, so both fan_in > fan_out and fan_out > fan_in come."""
    kernel = draw(st.lists(st.integers(1, 5), max_size=2), label="kernel")
    receptive_field = math.prod(kernel)
    free = draw(st.integers(1, 256), label="free dim")
    low = math.ceil(min_numel / (free * receptive_field))
    other = draw(st.integers(low, max(low, max_numel // (free * receptive_field))))
    first, second = (free, other) if draw(st.booleans(), label="free is d0") else (other, free)
    return (first, second, *kernel)


gains = st.floats(0.1, 3.0)
slopes = st.floats(0.0, 3.0)  # a: leaky_relu's negative slope (Linear's default uses sqrt(5))
modes = st.sampled_from(["fan_in", "fan_out"])
nonlinearities = st.sampled_from(["relu", "leaky_relu"])
scales = st.floats(1e-3, 10.0)
# a mean (or centre) within two scales of zero: a low-precision dtype then resolves the
# distribution (bfloat16's spacing stays below 3% of a std dev where the mass is)
offsets = st.floats(-2.0, 2.0)


# --- calculate_gain ---


@given(nonlinearity=st.sampled_from([*ref.GAINS, "leaky_relu"]),
       slope=st.one_of(st.none(), st.floats(0.0, 10.0)))
def test_calculate_gain_matches_the_documented_table(nonlinearity, slope):
    """calculate_gain(nonlinearity, param): 1 for linear, the convolutions and sigmoid,
    5/3 for tanh, sqrt(2) for relu, 3/4 for selu, sqrt(2 / (1 + negative_slope^2)) for
    leaky_relu with negative_slope = param (0.01 when param is None)."""
    param = slope if nonlinearity == "leaky_relu" else None
    found = init.calculate_gain(nonlinearity, param)
    assert_close_to(torch.tensor(found, dtype=torch.float64),
                    np.float64(ref.gain(nonlinearity, param)))


# --- xavier, kaiming ---


@given(dtype=init_dtypes, shape=weight_shapes(), gain=gains, seed=seeds)
def test_xavier_uniform_draws_from_its_documented_uniform(device, dtype, shape, gain, seed):
    """xavier_uniform_(w, gain) fills w in place from U(-a, a),
    a = gain * sqrt(6 / (fan_in + fan_out)), fan_in = d1 * receptive field, fan_out = d0 *
    receptive field: every value within a, and a KS test against U(-a, a)."""
    bound = ref.xavier_uniform_bound(shape, gain)
    torch.manual_seed(seed)
    values = draw_values(lambda w: init.xavier_uniform_(w, gain=gain), shape, dtype, device)
    what = f"xavier_uniform_ of {shape}, gain {gain}: U(-{bound:.4g}, {bound:.4g})"
    assert_within(values, -bound, bound, dtype, what)
    assert_distributed_as(values, scipy.stats.uniform(-bound, 2 * bound), dtype, what)


@given(dtype=init_dtypes, shape=weight_shapes(), gain=gains, seed=seeds)
def test_xavier_normal_draws_from_its_documented_normal(device, dtype, shape, gain, seed):
    """xavier_normal_(w, gain) fills w in place from N(0, std^2),
    std = gain * sqrt(2 / (fan_in + fan_out)): KS and TAIL tests against that normal."""
    std = ref.xavier_normal_std(shape, gain)
    torch.manual_seed(seed)
    values = draw_values(lambda w: init.xavier_normal_(w, gain=gain), shape, dtype, device)
    what = f"xavier_normal_ of {shape}, gain {gain}: N(0, {std:.4g}^2)"
    assert_distributed_as(values, scipy.stats.norm(0, std), dtype, what, center=0.0, scale=std)


@given(dtype=init_dtypes, shape=weight_shapes(), a=slopes, mode=modes,
       nonlinearity=nonlinearities, seed=seeds)
def test_kaiming_uniform_draws_from_its_documented_uniform(
    device, dtype, shape, a, mode, nonlinearity, seed
):
    """kaiming_uniform_(w, a, mode, nonlinearity) fills w in place from U(-bound, bound),
    bound = gain * sqrt(3 / fan_mode), gain = calculate_gain(nonlinearity, a): sqrt(2) for
    relu (a unused), sqrt(2 / (1 + a^2)) for leaky_relu; fan_mode is fan_in or fan_out."""
    bound = ref.kaiming_uniform_bound(shape, a, mode, nonlinearity)
    torch.manual_seed(seed)
    values = draw_values(
        lambda w: init.kaiming_uniform_(w, a=a, mode=mode, nonlinearity=nonlinearity),
        shape, dtype, device,
    )
    what = f"kaiming_uniform_ of {shape}, a={a}, {mode}, {nonlinearity}: U(+-{bound:.4g})"
    assert_within(values, -bound, bound, dtype, what)
    assert_distributed_as(values, scipy.stats.uniform(-bound, 2 * bound), dtype, what)


@given(dtype=init_dtypes, shape=weight_shapes(), a=slopes, mode=modes,
       nonlinearity=nonlinearities, seed=seeds)
def test_kaiming_normal_draws_from_its_documented_normal(
    device, dtype, shape, a, mode, nonlinearity, seed
):
    """kaiming_normal_(w, a, mode, nonlinearity) fills w in place from N(0, std^2),
    std = gain / sqrt(fan_mode), gain = calculate_gain(nonlinearity, a)."""
    std = ref.kaiming_normal_std(shape, a, mode, nonlinearity)
    torch.manual_seed(seed)
    values = draw_values(
        lambda w: init.kaiming_normal_(w, a=a, mode=mode, nonlinearity=nonlinearity),
        shape, dtype, device,
    )
    what = f"kaiming_normal_ of {shape}, a={a}, {mode}, {nonlinearity}: N(0, {std:.4g}^2)"
    assert_distributed_as(values, scipy.stats.norm(0, std), dtype, what, center=0.0, scale=std)


# --- uniform_, normal_, trunc_normal_ ---

# any n-D tensor: a 1-D one or a weight-like one, large enough that a few fills give SAMPLES
any_shapes = st.one_of(st.integers(1_000, 10_000).map(lambda n: (n,)), weight_shapes())


@given(dtype=init_dtypes, shape=any_shapes, half_width=scales, offset=offsets, seed=seeds)
def test_uniform_draws_from_u_a_b(device, dtype, shape, half_width, offset, seed):
    """uniform_(t, a, b) fills t in place from U(a, b): every value in [a, b], and a KS
    test against U(a, b)."""
    a, b = (offset - 1) * half_width, (offset + 1) * half_width
    torch.manual_seed(seed)
    values = draw_values(lambda t: init.uniform_(t, a, b), shape, dtype, device)
    what = f"uniform_(a={a:.4g}, b={b:.4g})"
    assert_within(values, a, b, dtype, what)
    assert_distributed_as(values, scipy.stats.uniform(a, b - a), dtype, what)


@given(dtype=init_dtypes, shape=any_shapes, std=scales, offset=offsets, seed=seeds)
def test_normal_draws_from_n_mean_std(device, dtype, shape, std, offset, seed):
    """normal_(t, mean, std) fills t in place from N(mean, std^2): KS and TAIL tests."""
    mean = offset * std
    torch.manual_seed(seed)
    values = draw_values(lambda t: init.normal_(t, mean, std), shape, dtype, device)
    what = f"normal_(mean={mean:.4g}, std={std:.4g})"
    assert_distributed_as(values, scipy.stats.norm(mean, std), dtype, what, center=mean,
                          scale=std)


def conditional_normal_cdf(mean, std, a, b):
    """The CDF of N(mean, std^2) given [a, b] (truncnorm's, ten times faster than its cdf)."""
    normal = scipy.stats.norm(mean, std)
    low, high = normal.cdf(a), normal.cdf(b)
    return lambda x: (normal.cdf(np.clip(x, a, b)) - low) / (high - low)


# A bound's distance from the mean, in std devs: near (the truncation shapes the
# distribution) or far (beyond TAIL_K, where the tail test looks: trunc_normal_(std=0.02,
# a=-2, b=2) is 100 std devs). Each side is far half the time.
bound_distances = st.one_of(st.floats(0.5, 3.0), st.floats(6.0, 200.0))


@without_shrinking()  # a strict xfail on torch < 2.12
@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=any_shapes, std=scales, offset=st.floats(-1.0, 1.0), below=bound_distances,
       above=bound_distances, seed=seeds)
def test_trunc_normal_draws_from_the_truncated_normal(
    device, dtype, shape, std, offset, below, above, seed
):
    """trunc_normal_(t, mean, std, a, b) fills t in place from N(mean, std^2) with the
    values outside [a, b] redrawn, i.e. the truncated normal (scipy.stats.truncnorm; the
    docs: a <= mean <= b works best, as drawn here): every value in [a, b], KS, and the
    TAIL test: no more values beyond 5 std devs than truncnorm's mass there allows, so no
    point mass at a far bound."""
    mean = offset * std
    a, b = mean - below * std, mean + above * std
    torch.manual_seed(seed)
    values = draw_values(lambda t: init.trunc_normal_(t, mean, std, a, b), shape, dtype, device)
    what = f"trunc_normal_(mean={mean:.4g}, std={std:.4g}, a={a:.4g}, b={b:.4g})"
    assert_within(values, a, b, dtype, what)
    truncated = scipy.stats.truncnorm(-below, above, loc=mean, scale=std)
    assert_distributed_as(values, truncated, dtype, what, center=mean, scale=std,
                          cdf=conditional_normal_cdf(mean, std, a, b))


# --- the default initialisation of nn.Linear and nn.Conv2d ---

MODULE_SAMPLES_BIAS = 100  # bias values per test (modules are built until there are as many)
MAX_MODULES = 50


def default_init_values(make, weight_numel, bias_numel):
    """Weight and bias values of freshly built modules: enough of each, within MAX_MODULES."""
    count = min(MAX_MODULES, math.ceil(max(SAMPLES / weight_numel,
                                           MODULE_SAMPLES_BIAS / bias_numel)))
    weights, biases = [], []
    for _ in range(count):
        module = make()
        weights.append(to_numpy(module.weight).ravel().astype(np.float64))
        biases.append(to_numpy(module.bias).ravel().astype(np.float64))
    return np.concatenate(weights), np.concatenate(biases)


def assert_default_uniform(weights, biases, bound, dtype, what):
    distribution = scipy.stats.uniform(-bound, 2 * bound)
    for name, values in (("weight", weights), ("bias", biases)):
        assert_within(values, -bound, bound, dtype, f"{what}.{name}")
        assert_distributed_as(values, distribution, dtype, f"{what}.{name}: U(+-{bound:.4g})")


@given(dtype=init_dtypes, in_features=st.integers(1, 512), out_features=st.integers(1, 256),
       seed=seeds)
def test_linear_default_init_is_uniform_within_sqrt_k(
    device, dtype, in_features, out_features, seed
):
    """nn.Linear(in, out): weight and bias are drawn from U(-sqrt(k), sqrt(k)),
    k = 1 / in_features (the nn.Linear docs; kaiming_uniform_ with a = sqrt(5))."""
    bound = ref.linear_default_bound(in_features)
    torch.manual_seed(seed)
    weights, biases = default_init_values(
        lambda: torch.nn.Linear(in_features, out_features, device=device, dtype=dtype),
        in_features * out_features, out_features,
    )
    assert_default_uniform(weights, biases, bound, dtype, f"Linear({in_features}, {out_features})")


@given(dtype=init_dtypes, groups=st.integers(1, 4), in_per_group=st.integers(1, 16),
       out_per_group=st.integers(1, 16), kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       seed=seeds)
def test_conv2d_default_init_is_uniform_within_sqrt_k(
    device, dtype, groups, in_per_group, out_per_group, kernel, seed
):
    """nn.Conv2d(C_in, C_out, kernel_size, groups): weight and bias are drawn from
    U(-sqrt(k), sqrt(k)), k = groups / (C_in * kernel_size[0] * kernel_size[1])."""
    in_channels, out_channels = groups * in_per_group, groups * out_per_group
    bound = ref.conv_default_bound(in_channels, kernel, groups)
    torch.manual_seed(seed)
    weights, biases = default_init_values(
        lambda: torch.nn.Conv2d(in_channels, out_channels, kernel, groups=groups,
                                device=device, dtype=dtype),
        out_channels * in_per_group * math.prod(kernel), out_channels,
    )
    what = f"Conv2d({in_channels}, {out_channels}, {kernel}, groups={groups})"
    assert_default_uniform(weights, biases, bound, dtype, what)


# --- constant fills ---

FILLS = {
    "zeros_": (lambda t: init.zeros_(t), 0.0),
    "ones_": (lambda t: init.ones_(t), 1.0),
    "constant_": (lambda t: init.constant_(t, 0.3), 0.3),
}


@pytest.mark.parametrize("fill", FILLS)
@given(shape=shapes(), dtype=dtypes(FLOAT))
def test_constant_inits_fill_exactly(device, fill, shape, dtype):
    """nn.init.zeros_, ones_ and constant_(val) overwrite every element with the value (cast
    to the dtype) whatever was there, NaN and inf included, and return the tensor itself."""
    call, value = FILLS[fill]
    t = torch.full(shape, float("nan"), dtype=dtype, device=device)
    if t.numel():
        t.view(-1)[::2] = float("inf")
    assert call(t) is t
    np.testing.assert_array_equal(to_numpy(t), np.full(shape, value, dtype=NUMPY_DTYPE[dtype]))
