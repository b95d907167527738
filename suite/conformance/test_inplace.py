"""In-place operations (seed 002: 바꿔치기(in-place) 연산).

Documented: methods with a trailing `_` (x.add_(5), x.copy_(y), x.t_()) change x itself
and return x; their out-of-place twins return a new tensor and leave x alone. An
in-place op cannot change x's shape by broadcasting or its dtype category by promotion,
and cannot touch a leaf that requires grad. Oracle: numpy on a copy of the data.
"""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from suite.testing.strategies import (
    COMPLEX, FLOAT, INTEGER, NUMERIC, arrays, arrays_of, broadcastable_pairs, dtypes, shapes,
)
from suite.testing.tolerances import assert_close_to
from suite.testing.claims import covers

OTHER = np.array(3)  # the second operand of copy_, broadcast into x


class Op:
    """One in-place method, its out-of-place twin, and the numpy oracle of both."""

    def __init__(self, name, call, twin, oracle, dtypes=NUMERIC, ndim=None):
        self.name, self.call, self.twin, self.oracle = name, call, twin, oracle
        self.dtypes, self.ndim = dtypes, ndim


OPS = {
    op.name: op
    for op in [
        Op("add_", lambda t: t.add_(5), lambda t: t.add(5), lambda a: a + 5),
        Op("sub_", lambda t: t.sub_(2), lambda t: t.sub(2), lambda a: a - 2),
        Op("mul_", lambda t: t.mul_(3), lambda t: t.mul(3), lambda a: a * 3),
        Op("div_", lambda t: t.div_(2), lambda t: t.div(2), lambda a: a / 2, dtypes=FLOAT),
        Op("neg_", lambda t: t.neg_(), lambda t: t.neg(), lambda a: -a, dtypes=FLOAT + INTEGER[1:]),
        Op("abs_", lambda t: t.abs_(), lambda t: t.abs(), np.abs, dtypes=FLOAT + INTEGER[1:]),
        Op(
            "clamp_",
            lambda t: t.clamp_(min=1, max=4),
            lambda t: t.clamp(min=1, max=4),
            lambda a: np.clip(a, 1, 4),
        ),
        Op("zero_", lambda t: t.zero_(), torch.zeros_like, np.zeros_like),
        Op("fill_", lambda t: t.fill_(7), lambda t: torch.full_like(t, 7), lambda a: np.full_like(a, 7)),
        Op(
            "copy_",
            lambda t: t.copy_(torch.tensor(OTHER, device=t.device)),
            lambda t: torch.tensor(OTHER, device=t.device).expand(t.shape).to(t.dtype),
            lambda a: np.broadcast_to(OTHER, a.shape).astype(a.dtype),
        ),
        Op("t_", lambda t: t.t_(), lambda t: t.t(), np.transpose, ndim=2),
    ]
}


@st.composite
def op_inputs(draw, op_name):
    op = OPS[op_name]
    shape_strategy = shapes(min_dims=op.ndim, max_dims=op.ndim) if op.ndim else shapes()
    return draw(arrays_of(dtypes(op.dtypes), shape_strategy, small=True))


@covers("002-add-inplace")
@pytest.mark.parametrize("op_name", OPS)
@given(data=st.data())
def test_inplace_mutates_and_returns_self(device, op_name, data):
    """x.op_() returns x itself, keeps x's storage, and leaves the oracle's values in x."""
    op = OPS[op_name]
    array = data.draw(op_inputs(op_name), label="x")
    t = torch.tensor(array, device=device)
    storage = t.untyped_storage().data_ptr()
    returned = op.call(t)
    assert returned is t, f"{op_name} returned a new tensor instead of x"
    assert t.untyped_storage().data_ptr() == storage, f"{op_name} moved x to new storage"
    assert_close_to(t, op.oracle(array.copy()), dtype=t.dtype)


@pytest.mark.parametrize("op_name", OPS)
@given(data=st.data())
def test_out_of_place_twin_leaves_input(device, op_name, data):
    """The twin without `_` returns a new tensor with the oracle's values; x is unchanged."""
    op = OPS[op_name]
    array = data.draw(op_inputs(op_name), label="x")
    t = torch.tensor(array, device=device)
    result = op.twin(t)
    assert result is not t
    assert_close_to(t, array, dtype=t.dtype)
    assert_close_to(result, op.oracle(array.copy()), dtype=t.dtype)


@given(pair=broadcastable_pairs(), data=st.data())
def test_inplace_cannot_change_shape(device, pair, data):
    """x.add_(y) works iff broadcasting x with y gives x's own shape; else RuntimeError."""
    dtype = data.draw(dtypes(NUMERIC), label="dtype")
    x_np = data.draw(arrays(dtype, pair.input_shapes[0], small=True), label="x")
    y_np = data.draw(arrays(dtype, pair.input_shapes[1], small=True), label="y")
    x, y = torch.tensor(x_np, device=device), torch.tensor(y_np, device=device)
    if pair.result_shape != x_np.shape:
        with pytest.raises(RuntimeError, match="shape"):
            x.add_(y)
        assert_close_to(x + y, x_np + y_np, dtype=x.dtype)  # out of place it broadcasts
    else:
        x.add_(y)
        assert_close_to(x, x_np + y_np, dtype=x.dtype)


# Type-promotion categories: an in-place result cannot move x to a higher one.
CATEGORY = {**{d: 1 for d in INTEGER}, **{d: 2 for d in FLOAT}, **{d: 3 for d in COMPLEX}}


@given(
    x_np=arrays_of(dtypes(NUMERIC + COMPLEX), shapes(min_dims=1), small=True),
    other_dtype=dtypes(NUMERIC + COMPLEX),
)
def test_inplace_cannot_promote_dtype_category(device, x_np, other_dtype):
    """x.add_(y) raises if y's category (int < float < complex) is above x's; else x keeps its dtype."""
    x = torch.tensor(x_np, device=device)
    y = torch.ones(x.shape, dtype=other_dtype, device=device)
    if CATEGORY[other_dtype] > CATEGORY[x.dtype]:
        with pytest.raises(RuntimeError, match="can't be cast"):
            x.add_(y)
    else:
        x.add_(y)
        assert_close_to(x, (x_np + 1).astype(x_np.dtype), dtype=x.dtype)


@given(array=arrays_of(dtypes(FLOAT), shapes(min_dims=1), small=True))
def test_inplace_on_leaf_requiring_grad_raises(device, array):
    """In-place on a leaf that requires grad raises; under no_grad() it is allowed."""
    leaf = torch.tensor(array, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.add_(1)
    with torch.no_grad():
        leaf.add_(1)
    assert_close_to(leaf, array + 1, dtype=leaf.dtype)
    assert leaf.requires_grad and leaf.is_leaf
