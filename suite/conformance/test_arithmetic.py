"""Arithmetic and reductions (seed 002: 산술 연산, 단일-요소 텐서).

Each product form the seed writes (*, .mul, torch.mul, @, .matmul, torch.matmul, and the
out= variants) is its own test case, on same-shape squares as well as general shapes.
Oracles: np.matmul / np.multiply / np.sum / np.mean / np.argmax, the tolerance table,
and the documented dtype rules (sum of integers or bools gives int64; mean needs a
floating or complex input; argmax of ties is the first maximal index).
Inputs for matmul and reductions are small integers, so numpy's float64 result is exact
and torch may differ only by its final rounding.
"""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from suite.testing.strategies import (
    ALL, BOOL, COMPLEX, FLOAT, INTEGER, MAX_SIDE, NUMERIC, arrays, arrays_of,
    broadcastable_pairs, dtypes, matmul_shapes, shapes,
)
from suite.testing.tolerances import assert_close_to
from suite.testing.claims import covers

MATMUL_DTYPES = (torch.float32, torch.float64)


# An (n, n) by (n, n) product has the same shape whether it is elementwise or a matrix
# product, so only the values tell a mixed-up form apart: the operand strategies draw such
# same-shape squares (batched too) about half the time, n >= 2 since 1 x 1 cannot tell.
same_shape_squares = st.tuples(
    shapes(max_dims=1, min_side=1, max_side=3), st.integers(2, MAX_SIDE)
).map(lambda batch_n: (batch_n[0] + (batch_n[1],) * 2,) * 2)
mul_shapes = same_shape_squares | broadcastable_pairs().map(lambda pair: tuple(pair.input_shapes))
matmul_operand_shapes = same_shape_squares | matmul_shapes().map(lambda s: tuple(s.input_shapes))


def returning_out(name):
    """The out= variant of torch.<name>: writes into a preset out, which it must return."""
    def call(a, b, result_shape):
        # a value no product of the small operands can be, so an unwritten out shows
        out = torch.full(result_shape, np.nan if a.is_floating_point() else 99, dtype=a.dtype,
                         device=a.device)
        returned = getattr(torch, name)(a, b, out=out)  # looked up now: torch may be patched
        assert returned is out, f"torch.{name}(out=) did not return its out tensor"
        return out

    return call


MUL_FORMS = {
    "mul-operator": lambda a, b, _: a * b,
    "mul-method": lambda a, b, _: a.mul(b),
    "mul-function": lambda a, b, _: torch.mul(a, b),
    "mul-out": returning_out("mul"),
}
MATMUL_FORMS = {
    "matmul-operator": lambda a, b, _: a @ b,
    "matmul-method": lambda a, b, _: a.matmul(b),
    "matmul-function": lambda a, b, _: torch.matmul(a, b),
    "matmul-out": returning_out("matmul"),
}


@pytest.mark.parametrize("form", MUL_FORMS)
@given(operand_shapes=mul_shapes, dtype=dtypes(NUMERIC), data=st.data())
def test_elementwise_mul_matches_numpy(device, form, operand_shapes, dtype, data):
    """a * b, a.mul(b), torch.mul(a, b) and torch.mul(a, b, out=o) (which returns o) each
    multiply elementwise with broadcasting, like np.multiply, same-shape squares included."""
    a_np = data.draw(arrays(dtype, operand_shapes[0], small=True), label="a")
    b_np = data.draw(arrays(dtype, operand_shapes[1], small=True), label="b")
    expected = np.multiply(a_np, b_np)
    a, b = torch.tensor(a_np, device=device), torch.tensor(b_np, device=device)
    result = MUL_FORMS[form](a, b, expected.shape)
    assert_close_to(result, expected, dtype=dtype)


# torch (seen on 2.14.1) warns that it resized a correctly shaped out for vector @ matrix;
# the result is right, and the warning is torch's noise, not this test's subject.
@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")
@pytest.mark.parametrize("form", MATMUL_FORMS)
@given(operand_shapes=matmul_operand_shapes, dtype=st.sampled_from(MATMUL_DTYPES),
       data=st.data())
def test_matmul_forms_match_numpy(device, form, operand_shapes, dtype, data):
    """a @ b, a.matmul(b), torch.matmul(a, b) and torch.matmul(a, b, out=o) (which returns o)
    each equal np.matmul: 1-D, 2-D and batched with broadcast batch dims, same-shape squares
    included."""
    a_np = data.draw(arrays(dtype, operand_shapes[0], small=True), label="a")
    b_np = data.draw(arrays(dtype, operand_shapes[1], small=True), label="b")
    expected = np.matmul(a_np.astype(np.float64), b_np.astype(np.float64))
    a, b = torch.tensor(a_np, device=device), torch.tensor(b_np, device=device)
    result = MATMUL_FORMS[form](a, b, expected.shape)
    assert_close_to(result, expected, dtype=dtype)


def test_tutorial_elementwise_is_not_matmul(device):
    """Seed 002 contrasts tensor * tensor (elementwise) with tensor @ tensor.T (matrix product)."""
    array = np.arange(16, dtype=np.float32).reshape(4, 4)
    t = torch.tensor(array, device=device)
    assert_close_to(t * t, array * array)
    assert_close_to(t @ t.T, array @ array.T)
    assert not torch.equal(t * t, t @ t.T)


@given(array=arrays_of(dtypes(ALL), small=True), data=st.data())
def test_sum_matches_numpy(device, array, data):
    """sum over all or one dim (keepdim too); integer and bool inputs sum to int64."""
    dim = data.draw(st.none() | st.integers(-array.ndim, array.ndim - 1) if array.ndim else st.none())
    keepdim = data.draw(st.booleans())
    t = torch.tensor(array, device=device)
    result = t.sum() if dim is None else t.sum(dim=dim, keepdim=keepdim)
    dtype = torch.int64 if t.dtype in INTEGER + BOOL else t.dtype
    wide = array.astype(np.complex128 if t.dtype in COMPLEX else np.float64)
    expected = wide.sum() if dim is None else wide.sum(axis=dim, keepdims=keepdim)
    assert_close_to(result, expected, dtype=dtype)


@given(array=arrays_of(dtypes(FLOAT + COMPLEX), small=True), data=st.data())
def test_mean_matches_numpy(device, array, data):
    """mean over all or one dim of floating and complex tensors (nan for an empty reduction)."""
    dim = data.draw(st.none() | st.integers(-array.ndim, array.ndim - 1) if array.ndim else st.none())
    t = torch.tensor(array, device=device)
    result = t.mean() if dim is None else t.mean(dim=dim)
    wide = array.astype(np.complex128 if t.dtype in COMPLEX else np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on an empty mean (nan)
        expected = wide.mean() if dim is None else wide.mean(axis=dim)
    assert_close_to(result, expected, dtype=t.dtype)


@given(array=arrays_of(dtypes(INTEGER + BOOL)))
def test_mean_of_integers_raises(device, array):
    """mean() of an integer or bool tensor raises: the output dtype cannot be inferred."""
    with pytest.raises(RuntimeError, match="dtype"):
        torch.tensor(array, device=device).mean()


# Few distinct values, so ties are the rule rather than the exception.
tied_arrays = arrays_of(dtypes(INTEGER + FLOAT), shapes(min_dims=1, min_side=1), small=True).map(
    lambda a: (a % 3).astype(a.dtype)
)


@given(array=tied_arrays, data=st.data())
def test_argmax_returns_first_of_ties(device, array, data):
    """argmax (flattened or along a dim) gives the first index of the maximum, like np.argmax."""
    dim = data.draw(st.none() | st.integers(-array.ndim, array.ndim - 1))
    t = torch.tensor(array, device=device)
    result = t.argmax() if dim is None else t.argmax(dim=dim)
    expected = np.argmax(array) if dim is None else np.argmax(array, axis=dim)
    assert_close_to(result, expected, dtype=torch.int64)


PYTHON_TYPE = {"b": bool, "u": int, "i": int, "f": float, "c": complex}


@covers("002-item-float")
@given(array=arrays_of(dtypes(ALL), shapes(max_dims=3, min_side=1, max_side=1)))
def test_item_returns_exact_python_scalar(device, array):
    """item() of a one-element tensor is the Python bool/int/float/complex of that exact value."""
    value = torch.tensor(array, device=device).item()
    expected = array.reshape(()).item()  # numpy's own conversion of the same stored value
    assert type(value) is PYTHON_TYPE[array.dtype.kind], f"item() gave {type(value).__name__}"
    assert value == expected or (value != value and expected != expected)


@given(array=arrays_of(dtypes(ALL), shapes(min_dims=1)))
def test_item_of_many_elements_raises(device, array):
    """item() needs exactly one element."""
    assume(array.size != 1)
    with pytest.raises(RuntimeError, match="elements cannot be converted to Scalar"):
        torch.tensor(array, device=device).item()
