"""Shapes and memory: view, reshape, flatten, nn.Flatten, transpose, .T, .mT, permute,
contiguous (seed 002: x.view(x.size(0), 256 * 6 * 6) in AlexNet, x.view(-1, 7 * 7 * 10) in the
MNIST CNN, nn.Flatten() printed as Flatten(start_dim=1, end_dim=-1), tensor @ tensor.T;
seed 004: torch.flatten(x, 1), self.W.T; and the common x.view(x.size(0), -1)).

Documented: view(shape) returns a tensor sharing self's data, possible only when "each new
view dimension [is] a subspace of an original dimension, or only span[s] across original
dimensions d, ..., d+k" with stride[i] = stride[i+1] * size[i+1]; otherwise it raises. One
size may be -1, inferred from the others. reshape is a view when possible, a copy otherwise.
flatten(start_dim=0, end_dim=-1) merges dims start_dim..end_dim (a 0-d input becomes 1-d),
returns its input itself when no dims are merged and a view when one is possible;
nn.Flatten(start_dim=1, end_dim=-1) does the same. transpose, .T (2-D), .mT (the last two
dims) and permute return views with the dims and strides permuted. contiguous() returns
self when self is contiguous, else a contiguous copy.

Oracles: reference/views.py (the view condition as the view documentation words it, and
flatten's documented shape), itself checked against numpy's no-copy reshape
(np.reshape(a, shape, copy=False)); numpy's reshape / transpose / swapaxes for values and
numpy's C_CONTIGUOUS flag. Strided inputs are laid out by numpy (a permutation of a random
array's dims, then slices with positive steps) and given to torch through as_strided with
numpy's strides, so torch and the oracle see the same memory layout.
Where the literal condition constrains only the stride of a size-1 dim, or the tensor is
empty, the documentation says "not possible" and yet numpy and torch view: the tests claim
nothing about raising there (constrains_only_idle_strides).
"""

import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from torch import nn

from reference.views import flattened_shape, view_possible
from suite.testing.strategies import ALL, MAX_DIMS, arrays_of, dtypes, shapes
from suite.testing.tolerances import to_numpy


@dataclass(frozen=True)
class Strided:
    """A random array `base` and a view of it: base's dims permuted by `perm`, then each dim
    sliced by `index` (positive steps). `tensor` gives torch the very same layout."""

    base: np.ndarray
    perm: tuple
    index: tuple

    @property
    def array(self) -> np.ndarray:
        view = self.base.transpose(self.perm)
        return view[self.index] if view.ndim else view  # a 0-d array indexed by () is a scalar

    @property
    def strides(self) -> tuple:
        """The view's strides in elements."""
        return tuple(s // self.base.itemsize for s in self.array.strides)

    def tensor(self, device) -> torch.Tensor:
        array = self.array
        offset = array.__array_interface__["data"][0] - self.base.__array_interface__["data"][0]
        # an empty slice may start past the end: no element is read, any offset in range will do
        offset = offset // self.base.itemsize if array.size else 0
        base = torch.tensor(self.base, device=device)
        return base.as_strided(array.shape, self.strides, offset)


@st.composite
def slices(draw, side):
    """A slice with a positive step that mostly keeps elements (an empty one now and then)."""
    if side == 0 or draw(st.integers(0, 2)) == 0:
        return slice(None)
    if draw(st.integers(0, 9)) == 0:
        return slice(side, None)
    start = draw(st.integers(0, side - 1))
    return slice(start, draw(st.none() | st.integers(start + 1, side)), draw(st.integers(1, 3)))


def base_shapes(min_dims=0, max_dims=MAX_DIMS):
    """Empty and size-1 dims on purpose, but half the bases have room for telling strides."""
    return (shapes(min_dims=min_dims, max_dims=max_dims)
            | shapes(min_dims=min_dims, max_dims=max_dims, min_side=2))


@st.composite
def strided(draw, shape_strategy=None):
    base = draw(arrays_of(dtypes(ALL), base_shapes() if shape_strategy is None else shape_strategy))
    perm = tuple(draw(st.permutations(range(base.ndim))))
    index = tuple(draw(slices(side)) for side in base.transpose(perm).shape)
    return Strided(base, perm, index)


def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def new_shapes(draw, shape):
    """Shapes with as many elements as `shape`: a run of adjacent dims merged, a dim split in
    two, or a fresh factorization of the element count; a size-1 dim sometimes inserted."""
    shape = tuple(shape)
    kind = draw(st.sampled_from(["merge", "split", "factor"] if shape else ["factor"]))
    if kind == "merge":
        start = draw(st.integers(0, len(shape) - 1))
        new = flattened_shape(shape, start, draw(st.integers(start, len(shape) - 1)))
    elif kind == "split":
        i = draw(st.integers(0, len(shape) - 1))
        side = shape[i]
        d = draw(st.sampled_from(divisors(side))) if side else draw(st.integers(0, 3))
        parts = (d, side // d) if side else draw(st.sampled_from([(0, d), (d, 0)]))
        new = shape[:i] + parts + shape[i + 1:]
    elif math.prod(shape) == 0:
        new = tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=3)))
        zero = draw(st.integers(0, len(new) - 1))
        new = new[:zero] + (0,) + new[zero + 1:]
    else:
        rest, new = math.prod(shape), ()
        while rest > 1:
            d = rest if len(new) == 3 else draw(st.sampled_from(divisors(rest)[1:]))
            new, rest = new + (d,), rest // d
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(new)))
        new = new[:at] + (1,) + new[at:]
    return new


@st.composite
def strided_and_shapes(draw):
    case = draw(strided())
    return case, draw(new_shapes(case.array.shape))


def kept_slices(side):
    """Slices of a dim of `side` (2 to 5) that keep at least 2 of its elements."""
    return [slice(None), slice(1, None), slice(None, None, 2), slice(1, None, 2)][: side - 1]


@st.composite
def strided_kept(draw, min_dims):
    """Like `strided`, with every dim keeping 2 or more elements: no size-1 or empty dim."""
    base = draw(arrays_of(dtypes(ALL), shapes(min_dims=min_dims, min_side=2)))
    perm = tuple(draw(st.permutations(range(base.ndim))))
    index = tuple(draw(st.sampled_from(kept_slices(side))) for side in base.transpose(perm).shape)
    return Strided(base, perm, index)


@st.composite
def no_view_cases(draw):
    """A strided array and a shape that merges dims start..end across a boundary i where
    stride[i] != stride[i+1] * size[i+1]: the documented condition rules the view out, and
    means it (no size-1 dim, no emptiness)."""
    case = draw(strided_kept(min_dims=2))
    shape, strides = case.array.shape, case.strides
    broken = [i for i in range(len(shape) - 1) if strides[i] != strides[i + 1] * shape[i + 1]]
    assume(broken)
    i = draw(st.sampled_from(broken))
    start, end = draw(st.integers(0, i)), draw(st.integers(i + 1, len(shape) - 1))
    return case, flattened_shape(shape, start, end)


def changed(a: np.ndarray) -> np.ndarray:
    """Values that differ from `a` at every position, in a's dtype (an array even when 0-d:
    a numpy.bool scalar is pytorch#157973 before torch 2.9, not what these tests are about)."""
    return np.asarray(~a if a.dtype == np.bool_ else np.where(a == 1, 2, 1).astype(a.dtype))


def assert_values(result: torch.Tensor, expected: np.ndarray):
    assert tuple(result.shape) == expected.shape, f"shape {tuple(result.shape)}, expected {expected.shape}"
    np.testing.assert_array_equal(to_numpy(result), expected)


def assert_shares_memory(result, source, to_result):
    """`result` is a view of `source`: one storage, and a write through either shows in the
    other where `to_result` (numpy's reshape / transpose of source's values) puts it."""
    assert result.untyped_storage().data_ptr() == source.untyped_storage().data_ptr(), (
        "the result has a storage of its own")
    written = changed(to_result(to_numpy(source)))
    result.copy_(torch.tensor(written, device=result.device))
    np.testing.assert_array_equal(to_result(to_numpy(source)), written,
                                  err_msg="a write through the result did not reach the source")
    written = changed(to_numpy(source))
    source.copy_(torch.tensor(written, device=source.device))
    np.testing.assert_array_equal(to_numpy(result), to_result(written),
                                  err_msg="a write through the source did not reach the result")


def assert_copy(result, source, original):
    """`result` is a copy: a write into it leaves `source` (values `original`) alone."""
    assert result.untyped_storage().data_ptr() != source.untyped_storage().data_ptr()
    result.copy_(torch.tensor(changed(to_numpy(result)), device=result.device))
    np.testing.assert_array_equal(to_numpy(source), original,
                                  err_msg="a write into the copy changed its source")


def reshaped(shape):
    return lambda a: np.reshape(a, shape)


def dims_of(ndim):
    """A dim index in [-ndim, ndim) (every negative form included)."""
    return st.integers(-ndim, ndim - 1)


# --- view ---------------------------------------------------------------------------------

@given(case=strided_and_shapes())
def test_view_shares_memory(device, case):
    """t.view(shape), where the documented condition allows it, shares t's storage: a write
    through either shows in the other (in the row-major order numpy's reshape gives)."""
    case, new_shape = case
    assume(view_possible(case.array.shape, case.strides, new_shape))
    t = case.tensor(device)
    assert_shares_memory(t.view(new_shape), t, reshaped(new_shape))


@given(case=strided_and_shapes())
def test_view_values_match_numpy_reshape(device, case):
    """t.view(shape) and t.view(*shape) have numpy's reshape shape and values."""
    case, new_shape = case
    assume(view_possible(case.array.shape, case.strides, new_shape))
    t = case.tensor(device)
    expected = np.reshape(case.array, new_shape)
    assert_values(t.view(new_shape), expected)
    if new_shape:  # t.view() with no sizes is no form of view
        assert_values(t.view(*new_shape), expected)


@given(case=no_view_cases())
def test_view_raises_when_strides_forbid(device, case):
    """Where no new dim is a subspace of an original dim or spans contiguous ones (e.g.
    merging dims after a transpose), view raises RuntimeError instead of copying."""
    case, new_shape = case
    t = case.tensor(device)
    with pytest.raises(RuntimeError):
        t.view(new_shape)


@st.composite
def minus_one_cases(draw):
    array = draw(arrays_of(dtypes(ALL)))
    new_shape = draw(new_shapes(array.shape))
    inferable = [i for i in range(len(new_shape))
                 if math.prod(new_shape[:i] + new_shape[i + 1:]) != 0]
    assume(inferable)
    at = draw(st.sampled_from(inferable))
    return array, new_shape[:at] + (-1,) + new_shape[at + 1:]


@given(case=minus_one_cases())
def test_view_infers_minus_one(device, case):
    """One size given as -1 is inferred from the others (x.view(-1, 7*7*10),
    x.view(x.size(0), -1)): numpy's reshape with the same -1 gives shape and values."""
    array, shape = case
    t = torch.tensor(array, device=device)
    assert_values(t.view(shape), np.reshape(array, shape))


@given(array=arrays_of(dtypes(ALL), shapes(min_dims=1)), data=st.data())
def test_view_rejects_two_minus_ones(device, array, data):
    """Only one size can be inferred: a shape with two -1 raises RuntimeError (numpy too)."""
    new_shape = data.draw(new_shapes(array.shape))
    new_shape = new_shape + (1,) * max(0, 2 - len(new_shape))
    first, second = data.draw(st.lists(st.integers(0, len(new_shape) - 1), min_size=2,
                                       max_size=2, unique=True))
    shape = tuple(-1 if i in (first, second) else s for i, s in enumerate(new_shape))
    with pytest.raises(ValueError):
        np.reshape(array, shape)
    t = torch.tensor(array, device=device)
    with pytest.raises(RuntimeError):
        t.view(shape)


TUTORIAL_FORMS = {
    # MNIST CNN (seed 002): conv output (N, 10, 7, 7) -> (N, 490)
    "view-minus-one-490": ((4, 10, 7, 7), lambda x: x.view(-1, 7 * 7 * 10)),
    "view-batch-minus-one": ((4, 10, 7, 7), lambda x: x.view(x.size(0), -1)),
    # AlexNet (seed 002): (N, 256, 6, 6) -> (N, 9216)
    "view-batch-256x6x6": ((2, 256, 6, 6), lambda x: x.view(x.size(0), 256 * 6 * 6)),
    # seeds 003 and 004
    "torch-flatten-1": ((4, 16, 5, 5), lambda x: torch.flatten(x, 1)),
    # seed 002's NeuralNetwork: (3, 28, 28) -> (3, 784)
    "nn-flatten": ((3, 28, 28), lambda x: nn.Flatten()(x)),
}


@pytest.mark.parametrize("form", TUTORIAL_FORMS)
def test_tutorial_flattening_forms(device, form):
    """The tutorials' forms keep the batch dim and merge the rest, as views of the
    (contiguous) feature map: (N, C, H, W) -> (N, C*H*W), values in numpy's reshape order."""
    shape, apply = TUTORIAL_FORMS[form]
    array = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    x = torch.tensor(array, device=device)
    result = apply(x)
    expected_shape = (shape[0], math.prod(shape[1:]))
    assert_values(result, array.reshape(expected_shape))
    assert_shares_memory(result, x, reshaped(expected_shape))


# --- reshape -------------------------------------------------------------------------------

@given(case=strided_and_shapes())
def test_reshape_is_a_view_when_strides_allow(device, case):
    """reshape returns a view of its input when the strides allow one (the view condition)."""
    case, new_shape = case
    assume(view_possible(case.array.shape, case.strides, new_shape))
    t = case.tensor(device)
    assert_shares_memory(t.reshape(new_shape), t, reshaped(new_shape))


@given(case=no_view_cases())
def test_reshape_copies_when_no_view_is_possible(device, case):
    """Where no view is possible, reshape returns a copy: writing into it leaves the input."""
    case, new_shape = case
    t = case.tensor(device)
    assert_copy(t.reshape(new_shape), t, case.array)


@given(case=strided_and_shapes())
def test_reshape_values_match_numpy(device, case):
    """t.reshape(shape) and torch.reshape(t, shape) have numpy's reshape shape and values,
    view or copy alike."""
    case, new_shape = case
    t = case.tensor(device)
    expected = np.reshape(case.array, new_shape)
    assert_values(t.reshape(new_shape), expected)
    assert_values(torch.reshape(t, new_shape), expected)


# --- flatten and nn.Flatten ------------------------------------------------------------------

@st.composite
def flatten_cases(draw, min_dims=0):
    """A strided array and (start_dim, end_dim), each in [-ndim, ndim), start not after end."""
    case = draw(strided(base_shapes(min_dims=min_dims)))
    n = max(case.array.ndim, 1)  # a 0-d tensor takes dims -1 and 0, as if it were 1-d
    start, end = draw(dims_of(n)), draw(dims_of(n))
    assume(start % n <= end % n)
    return case, start, end


@given(case=flatten_cases())
def test_flatten_shape_and_values(device, case):
    """torch.flatten(t, start_dim, end_dim) and t.flatten(...) merge dims start..end into one
    of their product's size (0-d becomes 1-d), with numpy's reshape values."""
    case, start, end = case
    t = case.tensor(device)
    expected = np.reshape(case.array, flattened_shape(case.array.shape, start, end))
    assert_values(torch.flatten(t, start, end), expected)
    assert_values(t.flatten(start, end), expected)
    assert_values(torch.flatten(t, start_dim=start), np.reshape(
        case.array, flattened_shape(case.array.shape, start)))


@given(case=flatten_cases(min_dims=1))
def test_flatten_returns_input_or_a_view(device, case):
    """flatten returns its input itself when no dims are merged (start == end), and a view
    whenever the strides allow one (so always for a contiguous input)."""
    case, start, end = case
    t = case.tensor(device)
    result = torch.flatten(t, start, end)
    shape = flattened_shape(case.array.shape, start, end)
    if start % t.dim() == end % t.dim():
        assert result is t, "flatten without merged dims did not return its input"
    elif view_possible(case.array.shape, case.strides, shape):
        assert_shares_memory(result, t, reshaped(shape))


@given(array=arrays_of(dtypes(ALL), shapes(min_dims=2)))
def test_nn_flatten_defaults(device, array):
    """nn.Flatten() has start_dim=1, end_dim=-1 (printed Flatten(start_dim=1, end_dim=-1) in
    seed 002): it keeps dim 0 and merges all the others."""
    flatten = nn.Flatten()
    assert (flatten.start_dim, flatten.end_dim) == (1, -1)
    assert repr(flatten) == "Flatten(start_dim=1, end_dim=-1)"
    t = torch.tensor(array, device=device)
    assert_values(flatten(t), np.reshape(array, flattened_shape(array.shape, 1, -1)))


@given(case=flatten_cases(min_dims=1))
def test_nn_flatten_with_dims(device, case):
    """nn.Flatten(start_dim=s, end_dim=e) gives torch.flatten's documented shape and values."""
    case, start, end = case
    t = case.tensor(device)
    result = nn.Flatten(start_dim=start, end_dim=end)(t)
    assert_values(result, np.reshape(case.array, flattened_shape(case.array.shape, start, end)))


# --- transpose, .T, .mT, permute -------------------------------------------------------------

def permuted(values, order):
    return tuple(values[i] for i in order)


def swap_order(ndim, d0, d1):
    order = list(range(ndim))
    order[d0], order[d1] = order[d1], order[d0]
    return tuple(order)


@given(case=strided(base_shapes(min_dims=1)), data=st.data())
def test_transpose_is_a_view(device, case, data):
    """t.transpose(d0, d1) and torch.transpose swap two dims (negative dims count from the
    end) as a view: sizes and strides swapped, values as np.swapaxes, memory shared."""
    t = case.tensor(device)
    d0, d1 = data.draw(dims_of(t.dim())), data.draw(dims_of(t.dim()))
    order = swap_order(t.dim(), d0, d1)
    result = t.transpose(d0, d1)
    assert_values(result, np.swapaxes(case.array, d0, d1))
    assert_values(torch.transpose(t, d0, d1), np.swapaxes(case.array, d0, d1))
    assert result.stride() == permuted(t.stride(), order)
    assert_shares_memory(result, t, lambda a: np.swapaxes(a, d0, d1))


@given(case=strided(base_shapes(min_dims=2, max_dims=2)))
def test_T_transposes_a_matrix_as_a_view(device, case):
    """For a 2-D tensor, t.T is its transpose (tensor @ tensor.T in seed 002), a view with
    swapped strides."""
    t = case.tensor(device)
    result = t.T
    assert_values(result, case.array.T)
    assert result.stride() == t.stride()[::-1]
    assert_shares_memory(result, t, np.transpose)


@given(case=strided(base_shapes(min_dims=2)))
def test_mT_transposes_the_last_two_dims_as_a_view(device, case):
    """t.mT is t.transpose(-2, -1): each matrix of the batch transposed, as a view."""
    t = case.tensor(device)
    result = t.mT
    assert_values(result, np.swapaxes(case.array, -2, -1))
    assert result.stride() == permuted(t.stride(), swap_order(t.dim(), -2, -1))
    assert_shares_memory(result, t, lambda a: np.swapaxes(a, -2, -1))


@given(case=strided(), data=st.data())
def test_permute_is_a_view(device, case, data):
    """t.permute(dims) and torch.permute reorder the dims as given (negative dims too) as a
    view: sizes and strides permuted, values as np.transpose(a, dims), memory shared."""
    t = case.tensor(device)
    order = tuple(data.draw(st.permutations(range(t.dim()))))
    dims = tuple(data.draw(st.sampled_from([d, d - t.dim()])) for d in order)
    result = t.permute(dims)
    assert_values(result, np.transpose(case.array, order))
    assert_values(torch.permute(t, dims), np.transpose(case.array, order))
    assert result.stride() == permuted(t.stride(), order)
    assert_shares_memory(result, t, lambda a: np.transpose(a, order))


# --- contiguous ------------------------------------------------------------------------------

@given(case=strided())
def test_contiguous_returns_self_when_contiguous(device, case):
    """t.contiguous() is t itself when t is already contiguous: is_contiguous() agrees with
    numpy's C_CONTIGUOUS flag of the same layout (a fresh C-ordered array's tensor always is)."""
    array = case.array
    fresh = torch.tensor(case.base, device=device)
    assert fresh.contiguous() is fresh
    t = case.tensor(device)
    assert t.is_contiguous() == array.flags["C_CONTIGUOUS"]
    if array.flags["C_CONTIGUOUS"]:
        assert t.contiguous() is t


@given(case=strided_kept(min_dims=1))
def test_contiguous_copies_a_strided_tensor(device, case):
    """For a non-contiguous t, t.contiguous() is a contiguous copy with the same values."""
    assume(not case.array.flags["C_CONTIGUOUS"])
    t = case.tensor(device)
    result = t.contiguous()
    assert result.is_contiguous()
    assert_values(result, case.array)
    assert_copy(result, t, case.array)
