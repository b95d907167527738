"""NumPy-style indexing and slicing (seed 002: NumPy식의 표준 인덱싱과 슬라이싱).

Documented: basic indexing (ints, slices, `...`, `None`) follows numpy and returns a view
of the same storage; assigning through an index writes into the tensor; torch rejects
negative slice steps, unlike numpy. Oracle: numpy doing the same on its own copy.
"""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from suite.testing.strategies import ALL, NUMERIC, arrays_of, basic_indices, dtypes, shapes
from suite.testing.tolerances import to_numpy
from suite.testing.claims import covers


@st.composite
def arrays_and_indices(draw, dtype_group=ALL, small=False):
    array = draw(arrays_of(dtypes(dtype_group), small=small))
    return array, draw(basic_indices(array.shape))


@given(case=arrays_and_indices())
def test_basic_index_matches_numpy(device, case):
    """t[index] has numpy's shape and values for random basic indices."""
    array, index = case
    result = torch.tensor(array, device=device)[index]
    expected = np.asarray(array[index])
    assert tuple(result.shape) == expected.shape, f"t[{index!r}] has shape {tuple(result.shape)}"
    np.testing.assert_array_equal(to_numpy(result), expected)


@given(case=arrays_and_indices(NUMERIC, small=True))
def test_basic_index_is_a_view(device, case):
    """t[index] shares t's storage: writing into it changes t where numpy's view would."""
    array, index = case
    t = torch.tensor(array, device=device)
    view = t[index]
    assert view.untyped_storage().data_ptr() == t.untyped_storage().data_ptr()
    view.fill_(9)
    expected = array.copy()
    expected[index] = 9
    np.testing.assert_array_equal(to_numpy(t), expected, err_msg=f"t[{index!r}] is not a view")


@given(case=arrays_and_indices(NUMERIC, small=True), value=st.integers(0, 8))
def test_assignment_through_index(device, case, value):
    """t[index] = value writes exactly where numpy's a[index] = value does (t[:, 1] = 0)."""
    array, index = case
    t = torch.tensor(array, device=device)
    t[index] = value
    expected = array.copy()
    expected[index] = value
    np.testing.assert_array_equal(to_numpy(t), expected)


@covers("002-indexing")
def test_tutorial_row_column_and_assignment(device):
    """Seed 002: tensor[0] is the first row, tensor[:, 0] the first column, tensor[..., -1]
    the last column, and tensor[:, 1] = 0 zeroes the second column of a 4x4 tensor."""
    array = np.arange(16, dtype=np.float32).reshape(4, 4)
    t = torch.tensor(array, device=device)
    np.testing.assert_array_equal(to_numpy(t[0]), array[0])
    np.testing.assert_array_equal(to_numpy(t[:, 0]), [0, 4, 8, 12])
    np.testing.assert_array_equal(to_numpy(t[..., -1]), [3, 7, 11, 15])
    t[:, 1] = 0
    expected = array.copy()
    expected[:, 1] = 0
    np.testing.assert_array_equal(to_numpy(t), expected)


@given(array=arrays_of(dtypes(ALL), shapes(min_dims=1)), step=st.integers(1, 4))
def test_negative_step_raises(device, array, step):
    """Unlike numpy, torch rejects a negative slice step with ValueError."""
    t = torch.tensor(array, device=device)
    with pytest.raises(ValueError, match="step"):
        t[::-step]


NUMPY_INTEGER_TYPES = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.intp)


@given(array=arrays_of(dtypes(NUMERIC), shapes(min_dims=1, min_side=1), small=True),
       data=st.data())
def test_numpy_integer_scalars_index_like_ints(device, array, data):
    """numpy integer scalars (np.int8 ... np.int64, np.uint8) index as the Python ints of their
    value, alone, in a tuple with slices, and for assignment, as numpy's own indexing does."""
    index = []
    for side in array.shape:
        kind = data.draw(st.sampled_from(NUMPY_INTEGER_TYPES), label="type")
        low = 0 if np.iinfo(kind).min == 0 else -side
        index.append(kind(data.draw(st.integers(low, side - 1), label="position")))
    index = tuple(index)
    count = data.draw(st.integers(1, len(index)), label="indexed dims")
    partial = index[:count] + (slice(None),) * (array.ndim - count)
    t = torch.tensor(array, device=device)
    np.testing.assert_array_equal(to_numpy(t[index[0]]), array[int(index[0])])
    np.testing.assert_array_equal(to_numpy(t[partial]), array[partial])
    t[partial] = 7
    expected = array.copy()
    expected[partial] = 7
    np.testing.assert_array_equal(to_numpy(t), expected)
