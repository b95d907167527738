"""The numpy bridge (seed 002: NumPy 변환(Bridge)).

Documented: a CPU tensor and the array from t.numpy() share memory, and so do an array
and torch.from_numpy(array): an in-place change on either side shows on the other. The
documented exceptions: t.numpy() raises for a tensor that requires grad or lives on CUDA
(numpy(force=True) copies instead), and from_numpy refuses negative strides.
Oracle: numpy applying the same in-place change to its own copy of the data.
"""

import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from suite.testing.strategies import (
    BOOL, COMPLEX, FLOAT, NUMERIC, NUMPY_DTYPE, TORCH_DTYPE, arrays_of, dtypes, shapes,
    without_shrinking,
)
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


# --- numpy 2's array protocols and DLPack ---
# numpy documents np.asarray(obj) as sharing the data when no copy is needed, copy=True as
# always copying, and copy=False as "never copy: raise ValueError if a copy is needed"; an
# object's __array__(dtype=None, copy=None) must accept copy, or numpy 2 warns
# (DeprecationWarning) and cannot honour copy=False. A contiguous CPU tensor needs no copy.

shareable_arrays = arrays_of(dtypes(NUMERIC + BOOL + COMPLEX), small=True)


def assert_shares(array, tensor, what):
    """`array` and `tensor` are one memory: a change through the tensor shows in the array."""
    before = array.copy()
    tensor.add_(1) if tensor.dtype != torch.bool else tensor.logical_not_()
    expected = np.logical_not(before) if before.dtype == np.bool_ else before + 1
    np.testing.assert_array_equal(array, expected, err_msg=f"{what} does not share the tensor's memory")


@given(array=shareable_arrays)
def test_asarray_of_tensor_shares_memory(array):
    """np.asarray(t) of a CPU tensor is an array of t's dtype and values over t's memory."""
    t = torch.tensor(array)
    result = np.asarray(t)
    assert result.dtype == array.dtype and result.shape == array.shape
    np.testing.assert_array_equal(result, array)
    assert_shares(result, t, "np.asarray(t)")


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@given(array=arrays_of(dtypes(NUMERIC)), target=dtypes(FLOAT + COMPLEX))
def test_asarray_of_tensor_with_dtype_converts(array, target):
    """np.asarray(t, dtype=d) has dtype d and numpy's conversion of t's values (values beyond
    float16 become inf in both)."""
    result = np.asarray(torch.tensor(array), dtype=NUMPY_DTYPE[target])
    assert result.dtype == NUMPY_DTYPE[target]
    np.testing.assert_array_equal(result, array.astype(NUMPY_DTYPE[target]))


@without_shrinking()  # a strict xfail on the releases reference/bugs.py names
@pytest.mark.filterwarnings("error::DeprecationWarning")  # numpy's sign of a stale __array__
@given(array=shareable_arrays)
def test_array_of_tensor_with_copy_true_copies(array):
    """np.array(t, copy=True) is a new array: equal values, a change to t does not show, and
    no DeprecationWarning (t.__array__ accepts numpy 2's copy keyword)."""
    t = torch.tensor(array)
    result = np.array(t, copy=True)
    np.testing.assert_array_equal(result, array)
    assert not np.shares_memory(result, t.numpy()), "np.array(t, copy=True) shares t's memory"


@without_shrinking()  # a strict xfail on the releases reference/bugs.py names
@pytest.mark.filterwarnings("error::DeprecationWarning")
@given(array=shareable_arrays)
def test_asarray_of_tensor_with_copy_false_shares(array):
    """np.asarray(t, copy=False) of a CPU tensor shares its memory: numpy raises only when a
    copy is needed, and a CPU tensor's memory can be shared (t.numpy() does)."""
    t = torch.tensor(array)
    assert_shares(np.asarray(t, copy=False), t, "np.asarray(t, copy=False)")


@given(array=shareable_arrays, data=st.data())
def test_torch_from_dlpack_of_ndarray_shares_memory(array, data):
    """torch.from_dlpack(a) of an array, strided views with positive steps included, has a's
    dtype, shape and values and is a view of a's memory."""
    step = data.draw(st.integers(1, 2), label="step") if array.ndim else 1
    view = array[(slice(None, None, step),) * array.ndim] if array.ndim else array
    t = torch.from_dlpack(view)
    assert t.dtype == TORCH_DTYPE[view.dtype] and tuple(t.shape) == view.shape
    np.testing.assert_array_equal(t.numpy(), view)
    assert_shares(view, t, "torch.from_dlpack(a)")


@given(array=arrays_of(dtypes(NUMERIC + BOOL + COMPLEX), shapes(min_dims=2, max_dims=3), small=True))
def test_numpy_from_dlpack_of_tensor_shares_memory(array):
    """np.from_dlpack(t) of a CPU tensor, a transposed one included, has t's dtype, shape and
    values and is a view of t's memory."""
    t = torch.tensor(array).transpose(0, -1)
    result = np.from_dlpack(t)
    expected = np.swapaxes(array, 0, -1)
    assert result.dtype == array.dtype and result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)
    assert_shares(result, t, "np.from_dlpack(t)")


# Targeted, not a property test: on the affected releases the process aborts, which no test
# inside the pytest process could observe, so a fresh interpreter tries a few reversed views.
NEGATIVE_STRIDE_DLPACK = """
import numpy as np, torch
base = np.arange(24.0).reshape(4, 6)
for view in (base[::-1], base[:, ::-1], base[::-2, 1:], base.ravel()[::-3]):
    try:
        t = torch.from_dlpack(view)
    except Exception:
        continue  # refusing is allowed: a tensor cannot have negative strides
    assert np.array_equal(t.numpy(), view), "from_dlpack of a reversed view has other values"
print("ok")
"""


CHILD_TIMEOUT = 300  # seconds: importing torch took over 120 s on the 2-core VM at load average 15


@pytest.mark.subprocess
def test_torch_from_dlpack_of_negative_strides_refuses_or_shares():
    """torch.from_dlpack of an array with negative strides either raises (torch's strides are
    non-negative) or gives the view's values; it never crashes the interpreter."""
    try:
        done = subprocess.run([sys.executable, "-c", NEGATIVE_STRIDE_DLPACK], capture_output=True,
                              text=True, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the fresh interpreter trying from_dlpack did not finish in {CHILD_TIMEOUT} s")
    assert done.returncode == 0 and done.stdout.strip() == "ok", (
        f"the interpreter exited with {done.returncode}: {done.stderr.strip()[-300:]}")
