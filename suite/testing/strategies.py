"""Shared hypothesis strategies: bounded shapes, dtypes, arrays, index expressions.

Strategies produce numpy data and plain Python values, never tensors: a test turns them
into tensors itself, so a monkeypatched (deliberately broken) torch cannot corrupt the
inputs that are meant to expose it. Sizes are small so hundreds of examples run in
seconds; 0- and 1-sized dimensions are reached on purpose (see selftest/test_strategies).
"""

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import torch
from hypothesis import strategies as st

MAX_DIMS = 4
MAX_SIDE = 5

# torch dtype -> numpy dtype, the pairs torch.from_numpy documents.
NUMPY_DTYPE = {
    torch.bool: np.dtype(np.bool_),
    torch.uint8: np.dtype(np.uint8),
    torch.int8: np.dtype(np.int8),
    torch.int16: np.dtype(np.int16),
    torch.int32: np.dtype(np.int32),
    torch.int64: np.dtype(np.int64),
    torch.float16: np.dtype(np.float16),
    torch.float32: np.dtype(np.float32),
    torch.float64: np.dtype(np.float64),
    torch.complex64: np.dtype(np.complex64),
    torch.complex128: np.dtype(np.complex128),
}
TORCH_DTYPE = {numpy_dtype: torch_dtype for torch_dtype, numpy_dtype in NUMPY_DTYPE.items()}

BOOL = (torch.bool,)
INTEGER = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)
FLOAT = (torch.float16, torch.float32, torch.float64)
COMPLEX = (torch.complex64, torch.complex128)
NUMERIC = INTEGER + FLOAT
ALL = BOOL + NUMERIC + COMPLEX

# Integer-valued numbers small enough that sums and products of a few of them are exact
# in every dtype: an oracle then differs from torch only by the final rounding, which the
# per-dtype tolerance table covers.
SMALL_MAX = 8


def shapes(min_dims=0, max_dims=MAX_DIMS, min_side=0, max_side=MAX_SIDE):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def dtype_id(dtype: torch.dtype) -> str:
    """A dtype's name in test ids: "float32" for torch.float32."""
    return str(dtype).removeprefix("torch.")


def dtypes(*groups):
    """A dtype from the given groups, e.g. dtypes(INTEGER, FLOAT)."""
    return st.sampled_from([dtype for group in groups for dtype in group])


def elements(dtype: torch.dtype, small: bool = False):
    """Values of `dtype`; `small` gives integer-valued numbers in [-SMALL_MAX, SMALL_MAX]."""
    numpy_dtype = NUMPY_DTYPE[dtype]
    if dtype == torch.bool:
        return st.booleans()
    if small:
        low = 0 if numpy_dtype.kind == "u" else -SMALL_MAX
        return st.integers(low, SMALL_MAX)
    if numpy_dtype.kind in "ui":
        info = np.iinfo(numpy_dtype)
        return st.integers(int(info.min), int(info.max))
    if numpy_dtype.kind == "f":
        return st.floats(width=numpy_dtype.itemsize * 8, allow_nan=False, allow_infinity=False)
    return st.complex_numbers(width=numpy_dtype.itemsize * 8, allow_nan=False, allow_infinity=False)


def arrays(dtype: torch.dtype, shape, small: bool = False):
    """numpy arrays of the numpy twin of `dtype`."""
    return hnp.arrays(NUMPY_DTYPE[dtype], shape, elements=elements(dtype, small))


@st.composite
def arrays_of(draw, dtype_strategy, shape_strategy=None, small=False):
    """An array whose dtype and shape are drawn too; its torch dtype is TORCH_DTYPE[a.dtype]."""
    dtype = draw(dtype_strategy)
    shape = draw(shape_strategy if shape_strategy is not None else shapes())
    return draw(arrays(dtype, shape, small=small))


def _positive_steps(index):
    """torch rejects negative slice steps (documented); flip them so numpy and torch agree."""

    def fix(part):
        if isinstance(part, slice) and part.step is not None and part.step < 0:
            return slice(part.start, part.stop, -part.step)
        return part

    return tuple(fix(part) for part in index) if isinstance(index, tuple) else fix(index)


def basic_indices(shape):
    """Valid basic indices for `shape`: ints, slices with positive steps, `...`, `None`."""
    return hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True).map(
        _positive_steps
    )


def broadcastable_pairs(max_dims=MAX_DIMS):
    """Two shapes that broadcast together; .result_shape is numpy's broadcast of them."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=max_dims, min_side=0, max_side=MAX_SIDE
    )


def matmul_shapes():
    """Shapes matmul accepts: 1-D, 2-D and batched, with the batch dims broadcasting."""
    return hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=2, min_side=0, max_side=MAX_SIDE
    )


# Python scalars for torch.tensor(nested list), by kind; bool is listed before int
# because bool is a subclass of int in Python.
SCALAR_KINDS = ("bool", "int", "float", "complex")
SCALARS = {
    "bool": st.booleans(),
    "int": st.integers(-(2**53), 2**53),
    "float": st.floats(allow_nan=True, allow_infinity=True),
    "complex": st.complex_numbers(allow_nan=True, allow_infinity=True),
}


def scalar_kind(value) -> str:
    for kind, python_type in zip(SCALAR_KINDS, (bool, int, float, complex)):
        if isinstance(value, python_type):
            return kind
    raise TypeError(f"not a Python scalar: {value!r}")


def nest(flat: list, shape: tuple) -> list:
    """Reshape a flat list into nested lists of `shape` (no numpy, no torch)."""
    if len(shape) <= 1:
        return list(flat)
    step = len(flat) // shape[0] if shape[0] else 0
    if step == 0:
        return [nest([], shape[1:]) for _ in range(shape[0])]
    return [nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


@st.composite
def nested_lists(draw, max_dims=3):
    """(nested list, its shape): Python scalars of one or several kinds, mixed freely."""
    shape = draw(shapes(min_dims=1, max_dims=max_dims))
    if 0 in shape:  # a nested list cannot express dimensions after an empty one
        shape = shape[: shape.index(0) + 1]
    one_kind = st.sampled_from(SCALAR_KINDS).map(lambda kind: [kind])
    mixed = st.lists(st.sampled_from(SCALAR_KINDS), min_size=2, max_size=4, unique=True)
    kinds = draw(one_kind | mixed)
    size = math.prod(shape)
    flat = draw(st.lists(st.one_of([SCALARS[k] for k in kinds]), min_size=size, max_size=size))
    return nest(flat, shape), shape


def without_shrinking():
    """The active profile's settings minus shrinking, for a test that is a strict xfail on
    some release (reference/bugs.py): shrinking a known failure reruns the test hundreds of
    times for an example no easier to read than the first, which its seed reproduces.
    Call it at decoration time: the plugin has chosen the profile by then."""
    from hypothesis import Phase, settings

    return settings(phases=[phase for phase in settings.default.phases if phase != Phase.shrink])
