"""The numpy bridge (seed 002: NumPy 변환(Bridge)).

Documented: a CPU tensor and the array from t.numpy() share memory, and so do an array
and torch.from_numpy(array): an in-place change on either side shows on the other. The
documented exceptions: t.numpy() raises for a tensor that requires grad or lives on CUDA
(numpy(force=True) copies instead), and from_numpy refuses negative strides.
Oracle: numpy applying the same in-place change to its own copy of the data.
"""

import numpy as np
import pytest
import torch
from hypothesis import given

from suite.testing.strategies import FLOAT, NUMERIC, arrays_of, dtypes, shapes
from suite.testing.claims import covers

# Small values: adding 1 in place never overflows, so both sides stay comparable exactly.
numeric_arrays = arrays_of(dtypes(NUMERIC), small=True)


@given(array=numeric_arrays)
def test_tensor_add_shows_in_numpy_view(array):
    """t.add_(1) is seen through n = t.numpy() (the tutorial's t = ones(5); t.add_(1))."""
    t = torch.tensor(array)
    n = t.numpy()
    t.add_(1)
    np.testing.assert_array_equal(n, array + 1, err_msg="t.numpy() does not share t's memory")


@covers("002-bridge")
@given(array=numeric_arrays)
def test_numpy_add_out_shows_in_tensor(array):
    """np.add(n, 1, out=n) is seen through torch.from_numpy(n)."""
    expected = array + 1
    t = torch.from_numpy(array)
    np.add(array, 1, out=array)
    np.testing.assert_array_equal(t.numpy(), expected, err_msg="from_numpy does not share memory")


@given(array=numeric_arrays)
def test_tensor_add_shows_in_source_array(array):
    """t = from_numpy(n); t.add_(1) changes n."""
    expected = array + 1
    torch.from_numpy(array).add_(1)
    np.testing.assert_array_equal(array, expected)


@given(array=arrays_of(dtypes(NUMERIC), shapes(min_dims=2, max_dims=2), small=True))
def test_numpy_of_strided_view_shares_memory(array):
    """A transposed (non-contiguous) tensor's numpy() is a strided view of the same memory."""
    t = torch.tensor(array)
    n = t.T.numpy()
    np.testing.assert_array_equal(n, array.T)
    t.add_(1)
    np.testing.assert_array_equal(n, (array + 1).T)


@given(array=arrays_of(dtypes(FLOAT), shapes(min_dims=1, min_side=1)))
def test_numpy_of_tensor_requiring_grad_raises(array):
    """numpy() refuses a tensor that requires grad. detach().numpy() shares its memory, and so
    does numpy(force=True) on the CPU (documented as detach().cpu()...numpy())."""
    t = torch.tensor(array, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        t.numpy()
    detached = t.detach().numpy()
    forced = t.numpy(force=True)
    np.testing.assert_array_equal(forced, array)
    with torch.no_grad():
        t.fill_(7)
    assert (detached == 7).all(), "detach().numpy() does not share memory"
    assert (forced == 7).all(), "numpy(force=True) of a CPU tensor does not share memory"


@pytest.mark.devices("cuda")
def test_numpy_of_cuda_tensor_raises(device):
    """numpy() refuses a CUDA tensor (use .cpu() first); numpy(force=True) copies to host."""
    t = torch.arange(6, device=device)
    with pytest.raises(TypeError, match="cuda"):
        t.numpy()
    copied = t.numpy(force=True)
    t.add_(1)
    np.testing.assert_array_equal(copied, np.arange(6), err_msg="force=True did not copy")


@given(array=arrays_of(dtypes(NUMERIC), shapes(min_dims=1, min_side=2)))
def test_from_numpy_of_negative_strides_raises(array):
    """from_numpy refuses negative strides; the workaround its message gives (copy) works."""
    reversed_view = array[::-1]
    with pytest.raises(ValueError, match="negative"):
        torch.from_numpy(reversed_view)
    np.testing.assert_array_equal(torch.from_numpy(reversed_view.copy()).numpy(), reversed_view)


@given(array=arrays_of(dtypes(NUMERIC), shapes(min_dims=1, min_side=2), small=True))
def test_from_numpy_of_positive_strides_shares(array):
    """A sliced array (positive strides) is shared, not copied."""
    expected = array.copy()
    expected[::2] += 1
    t = torch.from_numpy(array[::2])
    t.add_(1)
    np.testing.assert_array_equal(array, expected, err_msg="from_numpy copied a strided view")
