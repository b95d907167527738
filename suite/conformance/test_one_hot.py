"""One-hot targets (seed 002: 데이터셋 불러오기 / Lambda 변형(Transform)).

The tutorial turns a FashionMNIST label y (a Python int in 0..9) into a target with
    Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(dim=0, index=torch.tensor(y), value=1))
and says label 3 becomes [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]. torchvision's Lambda only calls the
function, so the tests call the expression itself. torch.nn.functional.one_hot is the
library's own form: shape (*) -> (*, num_classes), int64, num_classes=-1 infers max + 1.
Oracle: reference.nn.one_hot. Out-of-range labels raise: the scatter_ docs require
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
from suite.testing.models import one_hot_target
from suite.testing.strategies import shapes
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
