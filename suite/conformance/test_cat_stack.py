"""Joining tensors (seed 002: torch.cat으로 텐서 합치기).

Documented: cat joins along an existing dim and needs equal sizes in every other dim
(a 1-D empty tensor is the one legacy exception, ignored); stack joins along a new dim
and needs equal shapes. Oracle: np.concatenate / np.stack and those shape rules.
"""

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from suite.testing.strategies import ALL, MAX_SIDE, arrays, dtypes, shapes
from suite.testing.tolerances import to_numpy
from suite.testing.claims import covers


@st.composite
def cat_inputs(draw):
    """2-4 arrays of one dtype that agree in every dim but a chosen one, and that dim."""
    dtype = draw(dtypes(ALL))
    shape = draw(shapes(min_dims=1))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    count = draw(st.integers(1, 4))
    pieces = []
    for _ in range(count):
        piece_shape = list(shape)
        piece_shape[dim] = draw(st.integers(0, MAX_SIDE))
        pieces.append(draw(arrays(dtype, tuple(piece_shape))))
    return pieces, dim


@given(case=cat_inputs())
def test_cat_matches_concatenate(device, case):
    """cat along any valid dim (negative too): sizes add up, values are np.concatenate's."""
    pieces, dim = case
    result = torch.cat([torch.tensor(p, device=device) for p in pieces], dim=dim)
    expected = np.concatenate(pieces, axis=dim)
    assert tuple(result.shape) == expected.shape
    np.testing.assert_array_equal(to_numpy(result), expected)


@st.composite
def stack_inputs(draw):
    dtype = draw(dtypes(ALL))
    shape = draw(shapes())
    pieces = draw(st.lists(arrays(dtype, shape), min_size=1, max_size=4))
    return pieces, draw(st.integers(-len(shape) - 1, len(shape)))


@given(case=stack_inputs())
def test_stack_matches_numpy(device, case):
    """stack inserts a new dim at any valid position (negative too), like np.stack."""
    pieces, dim = case
    result = torch.stack([torch.tensor(p, device=device) for p in pieces], dim=dim)
    expected = np.stack(pieces, axis=dim)
    assert tuple(result.shape) == expected.shape
    np.testing.assert_array_equal(to_numpy(result), expected)


def is_legacy_empty(shape) -> bool:
    return tuple(shape) == (0,)


@given(first=shapes(min_dims=1), second=shapes(min_dims=1), data=st.data())
def test_cat_of_mismatched_shapes_raises(device, first, second, data):
    """cat raises RuntimeError when the shapes differ outside the cat dim (or in rank)."""
    dim = data.draw(st.integers(0, len(first) - 1), label="dim")
    agree = len(first) == len(second) and all(
        a == b for i, (a, b) in enumerate(zip(first, second)) if i != dim
    )
    assume(not agree and not is_legacy_empty(first) and not is_legacy_empty(second))
    tensors = [torch.zeros(first, device=device), torch.zeros(second, device=device)]
    with pytest.raises(RuntimeError):
        torch.cat(tensors, dim=dim)


@given(first=shapes(), second=shapes())
def test_stack_of_mismatched_shapes_raises(device, first, second):
    """stack raises RuntimeError unless every shape is equal."""
    assume(first != second)
    with pytest.raises(RuntimeError):
        torch.stack([torch.zeros(first, device=device), torch.zeros(second, device=device)])


@given(case=cat_inputs())
def test_cat_ignores_legacy_empty_1d(device, case):
    """The documented legacy exception: a 1-D tensor of size 0 is skipped, whatever the shapes."""
    pieces, dim = case
    tensors = [torch.tensor(p, device=device) for p in pieces]
    result = torch.cat([torch.zeros(0, dtype=tensors[0].dtype, device=device), *tensors], dim=dim)
    np.testing.assert_array_equal(to_numpy(result), np.concatenate(pieces, axis=dim))


@covers("002-cat-shapes")
def test_tutorial_cat_of_three(device):
    """Seed 002: cat of three 4x4 tensors is 12x4 along dim 0 and 4x12 along dim 1."""
    t = torch.rand(4, 4, device=device)
    assert torch.cat([t, t, t], dim=0).shape == (12, 4)
    assert torch.cat([t, t, t], dim=1).shape == (4, 12)
