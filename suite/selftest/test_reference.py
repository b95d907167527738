"""Self-tests for the numpy nn oracles (reference/nn.py) on hand-worked cases.

Every expected value is written out literally, with the arithmetic in a comment; none is
computed by an oracle. No torch here: the oracles must stand on their own.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from reference import nn as ref

LN2, LN3, LN4 = math.log(2), math.log(3), math.log(4)

# 3x3 image 1..9, as (N=1, C=1, H=3, W=3).
NINE = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)


def row(*values):
    """A (1, 1, 1, W) image: pooling along the width only."""
    return np.array(values, dtype=np.float64).reshape(1, 1, 1, -1)


# --- pair and output sizes ------------------------------------------------------------------

def test_pair():
    assert ref.pair(3) == (3, 3)
    assert ref.pair((1, 2)) == (1, 2)
    with pytest.raises(ValueError):
        ref.pair((1, 2, 3))


@pytest.mark.parametrize("args, expected", [
    ((5, 3), 3),                                 # (5 - 2 - 1) // 1 + 1 = 3
    ((7, 3, 2, 1), 4),                           # (7 + 2 - 2 - 1) // 2 + 1 = 6 // 2 + 1 = 4
    ((6, 3, 2), 2),                              # (6 - 2 - 1) // 2 + 1 = 1 + 1 = 2 (floor)
    ((7, 3, 1, 0, 2), 3),                        # (7 - 2*2 - 1) // 1 + 1 = 3
    ((2, 3), 0),                                 # (2 - 2 - 1) // 1 + 1 = -1 + 1 = 0: no window
    ((2, 3, 1, 1), 2),                           # (2 + 2 - 2 - 1) // 1 + 1 = 2
])
def test_conv_output_size(args, expected):
    assert ref.conv_output_size(*args) == expected


@pytest.mark.parametrize("args, expected", [
    ((5, 2, 2), 2),                              # floor(3 / 2) + 1 = 2
    ((5, 2, 2, 0, 1, True), 3),                  # ceil(3 / 2) + 1 = 3; (3-1)*2 = 4 >= 5? no
    ((6, 3, 2, 1), 3),                           # floor((6 + 2 - 2 - 1) / 2) + 1 = 2 + 1 = 3
    ((6, 3, 2, 1, 1, True), 4),                  # ceil(5 / 2) + 1 = 4; (4-1)*2 = 6 >= 6+1? no
    ((7, 3, 1, 0, 2), 3),                        # floor((7 - 4 - 1) / 1) + 1 = 3
    # size 5, kernel 2, stride 2, padding 1: numerator 5 + 2 - 1 - 1 = 5.
    # floor: 5 // 2 + 1 = 3 (windows start at -1, 1, 3).
    ((5, 2, 2, 1), 3),
    # ceil: ceil(5 / 2) + 1 = 4, but the 4th window would start at (4-1)*2 - 1 = 5, which is
    # the right padding (input is 0..4): (4-1)*2 = 6 >= 5 + 1 = 6, so it is dropped -> 3.
    ((5, 2, 2, 1, 1, True), 3),
])
def test_pool_output_size(args, expected):
    assert ref.pool_output_size(*args) == expected


def test_output_size_rejects_bad_window_args():
    with pytest.raises(ValueError):
        ref.conv_output_size(5, 3, stride=0)
    with pytest.raises(ValueError):
        ref.pool_output_size(5, 2, 2, padding=-1)


# --- conv2d ---------------------------------------------------------------------------------

def test_conv2d_is_cross_correlation():
    weight = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)
    # out[0,0] = 1*1 + 2*2 + 3*4 + 4*5 = 37 (a flipped kernel would give 4+6+8+5 = 23)
    # out[0,1] = 1*2 + 2*3 + 3*5 + 4*6 = 47
    # out[1,0] = 1*4 + 2*5 + 3*7 + 4*8 = 67
    # out[1,1] = 1*5 + 2*6 + 3*8 + 4*9 = 77
    assert_array_equal(ref.conv2d(NINE, weight), [[[[37, 47], [67, 77]]]])
    # bias 10 is added to every output
    assert_array_equal(ref.conv2d(NINE, weight, bias=[10.0]), [[[[47, 57], [77, 87]]]])


def test_conv2d_stride_and_padding():
    ones = np.ones((1, 1, 3, 3))
    # padding 1, stride 2: output (3 + 2 - 2 - 1) // 2 + 1 = 2; windows cover input rows/cols
    # {-1,0,1} and {1,2,3}, padding counts 0:
    # [0,0] = 1+2+4+5 = 12, [0,1] = 2+3+5+6 = 16, [1,0] = 4+5+7+8 = 24, [1,1] = 5+6+8+9 = 28
    out = ref.conv2d(NINE, ones, stride=2, padding=1)
    assert_array_equal(out, [[[[12, 16], [24, 28]]]])


def test_conv2d_dilation_and_pair_arguments():
    x = row(1, 2, 3, 4, 5)
    weight = np.array([1.0, 10.0]).reshape(1, 1, 1, 2)
    # dilation 2 along w: out[j] = x[j] + 10*x[j+2]; width (5 - 2 - 1) + 1 = 3
    # -> 1 + 30 = 31, 2 + 40 = 42, 3 + 50 = 53
    assert_array_equal(ref.conv2d(x, weight, dilation=(1, 2)), [[[[31, 42, 53]]]])
    # with stride 2 along w only windows j = 0 and 2 remain: (5 - 2 - 1) // 2 + 1 = 2
    assert_array_equal(ref.conv2d(x, weight, stride=(1, 2), dilation=(1, 2)), [[[[31, 53]]]])


def test_conv2d_groups_and_bias():
    # 2 input channels (values 2 and 3), 4 output channels, groups 2: outputs 0, 1 see
    # channel 0 only and outputs 2, 3 see channel 1 only.
    x = np.array([2.0, 3.0]).reshape(1, 2, 1, 1)
    weight = np.array([1.0, 10.0, 100.0, 1000.0]).reshape(4, 1, 1, 1)
    # 2*1 + 1 = 3, 2*10 + 2 = 22, 3*100 + 3 = 303, 3*1000 + 4 = 3004
    out = ref.conv2d(x, weight, bias=[1.0, 2.0, 3.0, 4.0], groups=2)
    assert_array_equal(out.ravel(), [3, 22, 303, 3004])


def test_conv2d_groups_sum_over_channels_of_their_group():
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1, 1)
    weight = np.ones((2, 2, 1, 1))
    # groups 2: output 0 = 1 + 2 = 3, output 1 = 3 + 4 = 7
    assert_array_equal(ref.conv2d(x, weight, groups=2).ravel(), [3, 7])
    # groups 1 with weight (1, 4, 1, 1): 1 + 2 + 3 + 4 = 10
    assert_array_equal(ref.conv2d(x, np.ones((1, 4, 1, 1))).ravel(), [10])


def test_conv2d_batches_are_independent():
    x = np.array([1.0, -2.0]).reshape(2, 1, 1, 1)
    weight = np.array([3.0]).reshape(1, 1, 1, 1)
    # 1*3 = 3, -2*3 = -6
    assert_array_equal(ref.conv2d(x, weight).ravel(), [3, -6])


@pytest.mark.parametrize("x_shape, w_shape, kwargs", [
    ((1, 3, 4, 4), (2, 1, 1, 1), {"groups": 2}),     # 3 input channels, 2 groups
    ((1, 2, 4, 4), (3, 1, 1, 1), {"groups": 2}),     # 3 output channels, 2 groups
    ((1, 2, 4, 4), (1, 3, 1, 1), {}),                # weight wants 3 channels, x has 2
    ((1, 1, 2, 2), (1, 1, 3, 3), {}),                # kernel 3 > input 2
    ((1, 1, 4, 4), (1, 1, 3, 3), {"dilation": 2}),   # effective kernel 5 > input 4
    ((1, 4, 4), (1, 1, 3, 3), {}),                   # x is not 4-D
])
def test_conv2d_rejects_nonsense(x_shape, w_shape, kwargs):
    with pytest.raises(ValueError):
        ref.conv2d(np.zeros(x_shape), np.zeros(w_shape), **kwargs)


def test_conv2d_rejects_wrong_bias_shape():
    with pytest.raises(ValueError):
        ref.conv2d(np.zeros((1, 1, 2, 2)), np.zeros((2, 1, 1, 1)), bias=[1.0])


# --- max_pool2d -----------------------------------------------------------------------------

def test_max_pool2d_padding_is_minus_infinity():
    x = -NINE  # all negative, so zero padding would win and show up as 0
    # kernel 2, stride 2, padding 1: windows cover rows/cols {-1,0} and {1,2}
    # [0,0] = max(-1) = -1, [0,1] = max(-2,-3) = -2, [1,0] = max(-4,-7) = -4,
    # [1,1] = max(-5,-6,-8,-9) = -5
    assert_array_equal(ref.max_pool2d(x, 2, padding=1), [[[[-1, -2], [-4, -5]]]])


def test_max_pool2d_stride_defaults_to_kernel():
    # kernel 2, stride 2 on 3x3: one window {0,1}x{0,1}: max(1,2,4,5) = 5
    assert_array_equal(ref.max_pool2d(NINE, 2), [[[[5]]]])
    # stride 1: windows at 0 and 1: max(1,2,4,5) = 5, max(2,3,5,6) = 6, 8, 9
    assert_array_equal(ref.max_pool2d(NINE, 2, stride=1), [[[[5, 6], [8, 9]]]])


def test_max_pool2d_ceil_mode():
    x = row(1, 5, 2, 4, 3)
    # floor: 2 windows, {0,1} -> 5, {2,3} -> 4
    assert_array_equal(ref.max_pool2d(x, (1, 2)), [[[[5, 4]]]])
    # ceil: a 3rd window {4,5} runs past the input; only position 4 counts -> 3
    assert_array_equal(ref.max_pool2d(x, (1, 2), ceil_mode=True), [[[[5, 4, 3]]]])


def test_max_pool2d_ceil_mode_with_padding():
    x = row(6, 1, 5, 2, 4, 3)
    # kernel 3, stride 2, padding 1 along w: floor 3 windows, ceil 4 (see pool_output_size).
    # windows {-1,0,1} -> 6, {1,2,3} -> 5, {3,4,5} -> 4, then ceil's {5,6,7} -> only 5 is real: 3
    assert_array_equal(ref.max_pool2d(x, (1, 3), (1, 2), (0, 1)), [[[[6, 5, 4]]]])
    out = ref.max_pool2d(x, (1, 3), (1, 2), (0, 1), ceil_mode=True)
    assert_array_equal(out, [[[[6, 5, 4, 3]]]])


def test_max_pool2d_ceil_mode_drops_window_starting_in_right_padding():
    x = row(1, 5, 2, 4, 3)
    # kernel 2, stride 2, padding 1: windows {-1,0} -> 1, {1,2} -> 5, {3,4} -> 4; the 4th
    # window {5,6} would start in the right padding and is dropped (not a -inf output).
    out = ref.max_pool2d(x, (1, 2), (1, 2), (0, 1), ceil_mode=True)
    assert_array_equal(out, [[[[1, 5, 4]]]])


def test_max_pool2d_dilation():
    x = row(1, 5, 2, 4, 3)
    # kernel 2, dilation 2, stride 1: max(x0,x2) = 2, max(x1,x3) = 5, max(x2,x4) = 3
    assert_array_equal(ref.max_pool2d(x, (1, 2), stride=1, dilation=(1, 2)), [[[[2, 5, 3]]]])


def test_max_pool2d_rejects_nonsense():
    with pytest.raises(ValueError):  # padding 2 > kernel 3 / 2
        ref.max_pool2d(NINE, 3, padding=2)
    with pytest.raises(ValueError):  # kernel 4 > input 3
        ref.max_pool2d(NINE, 4)


# --- avg_pool2d -----------------------------------------------------------------------------

def test_avg_pool2d_count_include_pad():
    # kernel 2, stride 2, padding 1: windows cover rows/cols {-1,0} and {1,2}
    # sums: [0,0] = 1, [0,1] = 2 + 3 = 5, [1,0] = 4 + 7 = 11, [1,1] = 5 + 6 + 8 + 9 = 28
    # including the padding every window has 2*2 = 4 places: 0.25, 1.25, 2.75, 7
    out = ref.avg_pool2d(NINE, 2, padding=1)
    assert_allclose(out, [[[[0.25, 1.25], [2.75, 7.0]]]])
    # excluding it the real counts are 1, 2, 2, 4: 1, 2.5, 5.5, 7
    out = ref.avg_pool2d(NINE, 2, padding=1, count_include_pad=False)
    assert_allclose(out, [[[[1.0, 2.5], [5.5, 7.0]]]])


def test_avg_pool2d_ceil_mode_without_padding():
    x = row(1, 2, 3, 4, 5)
    # floor: {0,1} -> 3/2 = 1.5, {2,3} -> 7/2 = 3.5
    assert_allclose(ref.avg_pool2d(x, (1, 2)), [[[[1.5, 3.5]]]])
    # ceil adds {4,5}: start 4, end min(4 + 2, 5 + 0) = 5, pool_size 1 -> 5 / 1 = 5
    # (the part past the input is not counted even with count_include_pad)
    assert_allclose(ref.avg_pool2d(x, (1, 2), ceil_mode=True), [[[[1.5, 3.5, 5.0]]]])


def test_avg_pool2d_ceil_mode_with_padding():
    x = row(1, 2, 3, 4, 5, 6)
    # kernel 3, stride 2, padding 1 along w, 4 windows in ceil mode; along h pool_size is 1.
    #   j  start  end=min(start+3, 6+1)  pool_size  clipped  sum        include  exclude
    #   0   -1    2                      3          [0,2)    1+2 = 3    3/3 = 1  3/2 = 1.5
    #   1    1    4                      3          [1,4)    2+3+4 = 9  9/3 = 3  9/3 = 3
    #   2    3    6                      3          [3,6)    4+5+6 = 15 15/3 = 5 15/3 = 5
    #   3    5    7                      2          [5,6)    6          6/2 = 3  6/1 = 6
    kwargs = {"kernel": (1, 3), "stride": (1, 2), "padding": (0, 1), "ceil_mode": True}
    assert_allclose(ref.avg_pool2d(x, **kwargs), [[[[1.0, 3.0, 5.0, 3.0]]]])
    out = ref.avg_pool2d(x, count_include_pad=False, **kwargs)
    assert_allclose(out, [[[[1.5, 3.0, 5.0, 6.0]]]])


def test_avg_pool2d_divisor_override():
    # kernel 2, stride 1: sums 1+2+4+5 = 12, 2+3+5+6 = 16, 4+5+7+8 = 24, 5+6+8+9 = 28
    assert_allclose(ref.avg_pool2d(NINE, 2, stride=1), [[[[3.0, 4.0], [6.0, 7.0]]]])
    out = ref.avg_pool2d(NINE, 2, stride=1, divisor_override=2)
    assert_allclose(out, [[[[6.0, 8.0], [12.0, 14.0]]]])
    # the override wins over count_include_pad too: padding 1 sums 1, 5, 11, 28 (see above) / 2
    out = ref.avg_pool2d(NINE, 2, padding=1, count_include_pad=False, divisor_override=2)
    assert_allclose(out, [[[[0.5, 2.5], [5.5, 14.0]]]])


def test_avg_pool2d_rejects_nonsense():
    with pytest.raises(ValueError):  # padding 2 > kernel 2 / 2
        ref.avg_pool2d(NINE, 2, padding=2)
    with pytest.raises(ValueError):  # kernel 4 > input 3
        ref.avg_pool2d(NINE, 4)
    with pytest.raises(ValueError):
        ref.avg_pool2d(NINE, 2, divisor_override=0)


# --- adaptive_avg_pool2d --------------------------------------------------------------------

def test_adaptive_avg_pool2d_uneven_bins():
    x = row(1, 2, 3, 4, 5)
    # In 5, Out 3: bin i = [floor(5i/3), ceil(5(i+1)/3)) -> [0,2), [1,4), [3,5)
    # means (1+2)/2 = 1.5, (2+3+4)/3 = 3, (4+5)/2 = 4.5
    assert_allclose(ref.adaptive_avg_pool2d(x, (1, 3)), [[[[1.5, 3.0, 4.5]]]])


def test_adaptive_avg_pool2d_more_outputs_than_inputs():
    x = row(2, 4)
    # In 2, Out 3: [0, ceil(2/3)=1), [floor(2/3)=0, ceil(4/3)=2), [floor(4/3)=1, 2)
    # -> 2, (2+4)/2 = 3, 4
    assert_allclose(ref.adaptive_avg_pool2d(x, (1, 3)), [[[[2.0, 3.0, 4.0]]]])


def test_adaptive_avg_pool2d_both_dims():
    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]).reshape(1, 1, 3, 2)
    # H 3 -> 2: rows [0,2) and [1,3); W 2 -> 1: cols [0,2)
    # (1+2+3+4)/4 = 2.5, (3+4+5+6)/4 = 4.5
    assert_allclose(ref.adaptive_avg_pool2d(x, (2, 1)), [[[[2.5], [4.5]]]])
    # int output size 1 is the global mean: 21 / 6 = 3.5
    assert_allclose(ref.adaptive_avg_pool2d(x, 1), [[[[3.5]]]])


def test_adaptive_avg_pool2d_rejects_zero_output():
    with pytest.raises(ValueError):
        ref.adaptive_avg_pool2d(NINE, (0, 1))


# --- linear, relu, softmax ------------------------------------------------------------------

def test_linear():
    weight = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    # x = [1, 2]: [1, 2, 1 + 2] + bias [0, 0, 1] = [1, 2, 4]
    assert_array_equal(ref.linear([[1.0, 2.0]], weight, bias=[0.0, 0.0, 1.0]), [[1, 2, 4]])
    assert_array_equal(ref.linear([[1.0, 2.0]], weight), [[1, 2, 3]])


def test_relu():
    assert_array_equal(ref.relu([-1.0, 0.0, 2.0]), [0.0, 0.0, 2.0])


def test_softmax_two_classes():
    # exp(0) = 1, exp(ln 3) = 3: probabilities 1/4 and 3/4
    assert_allclose(ref.softmax([[0.0, LN3]], axis=1), [[0.25, 0.75]])
    # the same along axis 0
    assert_allclose(ref.softmax([[0.0], [LN3]], axis=0), [[0.25], [0.75]])
    # log: ln(1/4) = -ln 4, ln(3/4) = ln 3 - ln 4
    assert_allclose(ref.log_softmax([[0.0, LN3]], axis=1), [[-LN4, LN3 - LN4]])


def test_softmax_rows_sum_to_one_and_large_logits_do_not_overflow():
    logits = np.array([[1.0, 2.0, 3.0], [-5.0, 0.0, 5.0], [1000.0, 1000.0, 1000.0]])
    assert_allclose(ref.softmax(logits, axis=1).sum(axis=1), [1.0, 1.0, 1.0])
    # equal logits, however large: 1/3 each, log 1/3 = -ln 3
    assert_allclose(ref.softmax(logits, axis=1)[2], [1 / 3] * 3)
    assert_allclose(ref.log_softmax(logits, axis=1)[2], [-LN3] * 3)


# --- nll_loss and cross_entropy -------------------------------------------------------------

# log_softmax rows: [0, ln 3] -> [ln 1/4, ln 3/4]; [ln 3, 0] -> [ln 3/4, ln 1/4];
# [0, 0] -> [ln 1/2, ln 1/2]. With targets [1, 1, 0] the losses are -ln 3/4 = ln(4/3),
# -ln 1/4 = ln 4, -ln 1/2 = ln 2.
LOGITS = [[0.0, LN3], [LN3, 0.0], [0.0, 0.0]]
TARGET = np.array([1, 1, 0])


def test_cross_entropy_reductions():
    losses = [math.log(4 / 3), LN4, LN2]
    assert_allclose(ref.cross_entropy(LOGITS, TARGET, reduction="none"), losses)
    # ln(4/3) + ln 4 + ln 2 = ln(32/3)
    assert_allclose(ref.cross_entropy(LOGITS, TARGET, reduction="sum"), math.log(32 / 3))
    assert_allclose(ref.cross_entropy(LOGITS, TARGET), math.log(32 / 3) / 3)


def test_cross_entropy_class_weights():
    weight = [2.0, 1.0]
    # w[t] = [1, 1, 2]: losses ln(4/3), ln 4, 2 ln 2
    losses = [math.log(4 / 3), LN4, 2 * LN2]
    assert_allclose(ref.cross_entropy(LOGITS, TARGET, weight, "none"), losses)
    # sum: ln(4/3) + ln 4 + ln 4 = ln(64/3)
    assert_allclose(ref.cross_entropy(LOGITS, TARGET, weight, "sum"), math.log(64 / 3))
    # mean divides by the weights of the targets, 1 + 1 + 2 = 4, not by N = 3
    assert_allclose(ref.cross_entropy(LOGITS, TARGET, weight, "mean"), math.log(64 / 3) / 4)


def test_nll_loss_on_given_log_probs():
    log_probs = [[-1.0, -2.0], [-3.0, -4.0]]
    target, weight = np.array([1, 0]), [1.0, 3.0]
    # -w[1] * -2 = 3 * 2 = 6, -w[0] * -3 = 1 * 3 = 3; mean 9 / (3 + 1) = 2.25
    assert_allclose(ref.nll_loss(log_probs, target, weight, "none"), [6.0, 3.0])
    assert_allclose(ref.nll_loss(log_probs, target, weight, "sum"), 9.0)
    assert_allclose(ref.nll_loss(log_probs, target, weight), 2.25)
    # unweighted: (2 + 3) / 2 = 2.5
    assert_allclose(ref.nll_loss(log_probs, target), 2.5)


@pytest.mark.parametrize("target, kwargs", [
    (np.array([1, 2, 0]), {}),                       # class 2 of 2
    (np.array([1, -1, 0]), {}),                      # negative class
    (np.array([1.0, 1.0, 0.0]), {}),                 # not integer classes
    (np.array([1, 0]), {}),                          # 2 targets for 3 samples
    (TARGET, {"weight": [1.0, 1.0, 1.0]}),           # 3 weights for 2 classes
    (TARGET, {"reduction": "average"}),
])
def test_cross_entropy_rejects_nonsense(target, kwargs):
    with pytest.raises(ValueError):
        ref.cross_entropy(LOGITS, target, **kwargs)


# --- one_hot --------------------------------------------------------------------------------

def test_one_hot():
    out = ref.one_hot(np.array([2, 0]), 3)
    assert out.dtype == np.int64
    assert_array_equal(out, [[0, 0, 1], [1, 0, 0]])
    # shape is labels.shape + (num_classes,)
    assert_array_equal(ref.one_hot(np.array([[1], [0]]), 2), [[[0, 1]], [[1, 0]]])


@pytest.mark.parametrize("labels", [[3], [-1]])
def test_one_hot_rejects_out_of_range_labels(labels):
    with pytest.raises(ValueError):
        ref.one_hot(np.array(labels), 3)


def test_softmax_of_an_empty_axis_is_empty():
    assert ref.softmax(np.zeros((2, 0)), axis=1).shape == (2, 0)
    assert ref.log_softmax(np.zeros((0, 3)), axis=0).shape == (0, 3)


# --- batch norm ------------------------------------------------------------------------------

def test_batch_norm_by_hand():
    # (1 - 2) / sqrt(1 + 0) * 2 + 1 = -1 and (3 - 2) / 1 * 2 + 1 = 3
    assert_array_equal(ref.batch_norm(row(1.0, 3.0), [2.0], [1.0], [2.0], [1.0], eps=0.0),
                       row(-1.0, 3.0))
    # eps joins the variance under the root: (3 - 2) / sqrt(3 + 1) = 0.5
    assert_allclose(ref.batch_norm(row(3.0), [2.0], [3.0], [1.0], [0.0], eps=1.0), row(0.5))


def test_batch_norm_running_stats_by_hand():
    # batch 1, 3: mean 2, unbiased variance ((1-2)^2 + (3-2)^2) / 1 = 2
    mean, var = ref.batch_norm_running_stats(np.array([0.0]), np.array([1.0]), [row(1.0, 3.0)], 0.1)
    assert_allclose(mean, [0.2])  # 0.9 * 0 + 0.1 * 2
    assert_allclose(var, [1.1])  # 0.9 * 1 + 0.1 * 2
    # momentum None: the simple average of the batch statistics, (2 + 5) / 2 and (2 + 0) / 2
    mean, var = ref.batch_norm_running_stats(
        np.array([0.0]), np.array([1.0]), [row(1.0, 3.0), row(5.0, 5.0)], None)
    assert_allclose(mean, [3.5])
    assert_allclose(var, [1.0])
