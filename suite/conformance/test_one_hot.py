"""One-hot targets (seed 002: 데이터셋 불러오기 / Lambda 변형(Transform)).

The tutorial turns a FashionMNIST label y (a Python int in 0..9) into a target with
    Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(dim=0, index=torch.tensor(y), value=1))
and says label 3 becomes [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]. torchvision's Lambda only calls the
function, so the tests call the expression itself. torch.nn.functional.one_hot is the
library's own form: shape (*) -> (*, num_classes), int64, num_classes=-1 infers max + 1.
Beyond the tutorial's call, Tensor.scatter_ itself is checked against its documented contract:
scatter_(dim, index, src) and scatter_(dim, index, value), with reduce='add'/'multiply', and
scatter_reduce_, on random shapes, dims (negative too) and index tensors that satisfy the
documented size rules.
Oracles: reference.nn.one_hot, reference.scatter. Out-of-range labels raise: the scatter_ docs require
0 <= index < self.size(dim); F.one_hot raises on CPU. On CUDA both only trip a device-side
assert that poisons the process, so the raising tests are CPU-only by design.
"""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference import nn as ref
from reference import scatter as scatter_ref
from suite.testing.models import one_hot_target
from suite.testing.strategies import FLOAT, INTEGER, NUMPY_DTYPE, arrays, dtypes, elements, shapes
from suite.testing.tolerances import assert_close_to
from suite.testing.claims import covers

MAX_CLASSES = 12


@st.composite
def labels_and_classes(draw, min_size=0):
    """(labels: int64 array of any small shape, num_classes > every label)."""
    num_classes = draw(st.integers(1, MAX_CLASSES), label="num_classes")
    shape = draw(shapes(min_side=min_size), label="shape")
    labels = draw(
        hnp.arrays(np.int64, shape, elements=st.integers(0, num_classes - 1)), label="labels"
    )
    return labels, num_classes


@given(data=st.data())
def test_tutorial_lambda_one_hot_matches_reference(device, data):
    """zeros(n).scatter_(0, tensor(y), value=1) is the one-hot of y; F.one_hot agrees."""
    num_classes = data.draw(st.integers(1, MAX_CLASSES), label="num_classes")
    y = data.draw(st.integers(0, num_classes - 1), label="y")
    expected = ref.one_hot(np.array(y), num_classes)

    target = one_hot_target(y, num_classes, device)
    assert target.dtype == torch.float32 and target.device.type == device
    np.testing.assert_array_equal(target.cpu().numpy(), expected.astype(np.float32))

    functional = torch.nn.functional.one_hot(torch.tensor(y, device=device), num_classes)
    assert functional.dtype == torch.int64
    np.testing.assert_array_equal(functional.cpu().numpy(), expected)


@covers("002-lambda-one-hot-3")
def test_tutorial_label_3_example():
    """Seed 002: label 3 -> [0, 0, 0, 1, 0, 0, 0, 0, 0, 0] (the tutorial's own number)."""
    target = one_hot_target(3)
    np.testing.assert_array_equal(
        target.numpy(), np.array([0, 0, 0, 1, 0, 0, 0, 0, 0, 0], dtype=np.float32)
    )


@given(case=labels_and_classes())
def test_batched_one_hot_matches_reference(device, case):
    """F.one_hot(labels, n) has shape labels.shape + (n,), dtype int64, a 1 at each label."""
    labels, num_classes = case
    result = torch.nn.functional.one_hot(torch.tensor(labels, device=device), num_classes)
    expected = ref.one_hot(labels, num_classes)
    assert result.dtype == torch.int64
    assert tuple(result.shape) == expected.shape, f"labels of shape {labels.shape}, n={num_classes}"
    np.testing.assert_array_equal(result.cpu().numpy(), expected)


@given(case=labels_and_classes(min_size=1))
def test_one_hot_infers_num_classes(device, case):
    """num_classes=-1 (the default) infers one more than the largest label."""
    labels, _ = case
    expected = ref.one_hot(labels, int(labels.max()) + 1)
    one_hot = torch.nn.functional.one_hot
    for result in (one_hot(torch.tensor(labels, device=device), -1),
                   one_hot(torch.tensor(labels, device=device))):
        assert tuple(result.shape) == expected.shape, f"labels {labels.tolist()}"
        np.testing.assert_array_equal(result.cpu().numpy(), expected)


@given(
    num_classes=st.integers(1, MAX_CLASSES),
    beyond=st.integers(0, MAX_CLASSES),
    negative=st.booleans(),
)
def test_tutorial_scatter_out_of_range_label_raises(num_classes, beyond, negative):
    """scatter_ requires 0 <= index < size(dim): a label >= n (or < 0) raises RuntimeError."""
    y = -1 - beyond if negative else num_classes + beyond
    with pytest.raises(RuntimeError, match="out of bounds"):
        one_hot_target(y, num_classes)


@given(case=labels_and_classes(min_size=1), data=st.data())
def test_one_hot_out_of_range_label_raises(case, data):
    """F.one_hot raises RuntimeError on a label >= num_classes or a negative label (CPU)."""
    labels, num_classes = case
    position = data.draw(st.integers(0, labels.size - 1), label="position")
    bad = labels.copy()
    too_large = data.draw(st.booleans(), label="too_large")
    bad.flat[position] = (
        data.draw(st.integers(num_classes, 2 * MAX_CLASSES), label="label")
        if too_large
        else data.draw(st.integers(-MAX_CLASSES, -1), label="label")
    )
    match = "smaller than num_classes" if too_large else "non-negative"
    with pytest.raises(RuntimeError, match=match):
        torch.nn.functional.one_hot(torch.tensor(bad), num_classes)


# --- Tensor.scatter_ and scatter_reduce_, the documented contract ---------------------

SCATTER_MAX_DIMS, SCATTER_MAX_SIDE = 3, 4
# Exact in these dtypes for the small integer-valued operands (few duplicates, |x| <= 8).
REDUCE_DTYPES = (torch.float32, torch.float64, torch.int32, torch.int64)
# torch warns (2.5 to 2.14 at least) that reduce= with a Tensor src is deprecated for
# scatter_reduce_; it is still the documented form under test here.
DEPRECATED_REDUCE = "ignore:The reduce argument of torch.scatter with Tensor src is deprecated"


@st.composite
def scatter_cases(draw, dtype_strategy, unique, small):
    """(self, dim, index, src) arrays meeting scatter_'s documented rules: same ndim;
    index.size(d) <= src.size(d) for all d and <= self.size(d) for d != dim; index values in
    [0, self.size(dim)); with `unique`, no two index values of one line along dim are equal
    (duplicates are documented as nondeterministic). dim may be negative."""
    dtype = draw(dtype_strategy, label="dtype")
    self_shape = draw(shapes(min_dims=1, max_dims=SCATTER_MAX_DIMS, min_side=1,
                             max_side=SCATTER_MAX_SIDE), label="self_shape")
    ndim = len(self_shape)
    dim = draw(st.integers(-ndim, ndim - 1), label="dim")
    axis = dim % ndim
    index_shape = tuple(
        draw(st.integers(1, self_shape[d] if unique or d != axis else SCATTER_MAX_SIDE))
        for d in range(ndim)
    )
    src_shape = tuple(size + draw(st.integers(0, 2)) for size in index_shape)
    if unique:
        index = np.empty(index_shape, dtype=np.int64)
        for line in np.ndindex(index_shape[:axis] + index_shape[axis + 1:]):
            chosen = draw(st.permutations(range(self_shape[axis])))[: index_shape[axis]]
            index[line[:axis] + (slice(None),) + line[axis:]] = chosen
    else:
        index = draw(hnp.arrays(np.int64, index_shape,
                                elements=st.integers(0, self_shape[axis] - 1)), label="index")
    self = draw(arrays(dtype, self_shape, small=small), label="self")
    src = draw(arrays(dtype, src_shape, small=small), label="src")
    return self, dim, index, src


def scalar_of(dtype, small):
    """A Python number of `dtype`'s kind that `dtype` holds exactly."""
    values = elements(dtype, small=small)
    return values.map(float) if NUMPY_DTYPE[dtype].kind == "f" else values


def scattered(array, device):
    return torch.tensor(array, device=device)


@given(case=scatter_cases(dtypes(FLOAT, INTEGER), unique=True, small=False))
def test_scatter_src_writes_each_source_value(device, case):
    """self.scatter_(dim, index, src) sets self[index[i][j][k]][j][k] = src[i][j][k] (dim 0,
    and likewise for every dim) in place and returns self; src may be larger than index."""
    self, dim, index, src = case
    t = scattered(self, device)
    result = t.scatter_(dim, scattered(index, device), scattered(src, device))
    assert result is t, "scatter_ did not return self"
    assert_close_to(t, scatter_ref.scatter(self, dim, index, src))


@given(case=scatter_cases(dtypes(FLOAT, INTEGER), unique=True, small=False), data=st.data())
def test_scatter_value_writes_the_value(device, case, data):
    """self.scatter_(dim, index, value) is the src form with src filled with value: any value
    of self's dtype, not only the tutorial's 1."""
    self, dim, index, _ = case
    value = data.draw(scalar_of(torch.from_numpy(self).dtype, small=False), label="value")
    t = scattered(self, device)
    result = t.scatter_(dim, scattered(index, device), value)
    assert result is t, "scatter_ did not return self"
    assert_close_to(t, scatter_ref.scatter(self, dim, index, value))


@pytest.mark.filterwarnings(DEPRECATED_REDUCE)
@pytest.mark.parametrize("operand", ["src", "value"])
@pytest.mark.parametrize("reduce", scatter_ref.SCATTER_REDUCTIONS)
@given(case=scatter_cases(dtypes(REDUCE_DTYPES), unique=False, small=True), data=st.data())
def test_scatter_reduce_argument_accumulates(device, reduce, operand, case, data):
    """scatter_(dim, index, src or value, reduce='add'|'multiply') does self[index[i][j][k]][j][k]
    += (or *=) src[i][j][k]: every duplicate index contributes, self's value included."""
    self, dim, index, src = case
    if operand == "value":
        src = data.draw(scalar_of(torch.from_numpy(self).dtype, small=True), label="value")
    t = scattered(self, device)
    operand_value = scattered(src, device) if operand == "src" else src
    result = t.scatter_(dim, scattered(index, device), operand_value, reduce=reduce)
    assert result is t, "scatter_ did not return self"
    assert_close_to(t, scatter_ref.scatter(self, dim, index, src, reduce=reduce))


@pytest.mark.parametrize("reduce", scatter_ref.SCATTER_REDUCE_REDUCTIONS)
@given(case=scatter_cases(dtypes(REDUCE_DTYPES), unique=False, small=True),
       include_self=st.booleans())
def test_scatter_reduce_method_matches_reference(device, reduce, case, include_self):
    """scatter_reduce_(dim, index, src, reduce, include_self=...) reduces each target's src
    values (sum, prod, mean, amax, amin), with self's value among them if include_self;
    targets no index points at keep self's value."""
    self, dim, index, src = case
    if reduce == "mean" and self.dtype.kind != "f":  # the docs leave an integer mean's rounding open
        self, src = self.astype(np.float64), src.astype(np.float64)
    t = scattered(self, device)
    result = t.scatter_reduce_(dim, scattered(index, device), scattered(src, device), reduce,
                               include_self=include_self)
    assert result is t, "scatter_reduce_ did not return self"
    assert_close_to(t, scatter_ref.scatter_reduce(self, dim, index, src, reduce, include_self))
