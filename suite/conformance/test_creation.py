"""Tensor creation (seed 002: 텐서 초기화, 다른 텐서로부터 생성, 무작위 또는 상수 값, 텐서의 속성).

Oracles: numpy for values, and the documented dtype rules: torch.tensor infers bool ->
torch.bool, int -> torch.int64, float -> the default dtype (float32), complex -> complex64,
and a mix takes the highest of these kinds; an empty list gives the default dtype.
"""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from suite.testing.strategies import (
    ALL, BOOL, FLOAT, INTEGER, NUMERIC, NUMPY_DTYPE, SMALL_MAX, TORCH_DTYPE, arrays, arrays_of,
    dtype_id, dtypes, nest, nested_lists, scalar_kind, shapes, without_shrinking,
)
from suite.testing.claims import covers

INFERRED_DTYPE = {
    "bool": torch.bool,
    "int": torch.int64,
    "float": torch.float32,
    "complex": torch.complex64,
}
KIND_ORDER = ("bool", "int", "float", "complex")


def flatten(data):
    return [x for item in data for x in flatten(item)] if isinstance(data, list) else [data]


def expected_dtype(data) -> torch.dtype:
    kinds = {scalar_kind(value) for value in flatten(data)}
    if not kinds:
        return torch.float32  # torch.tensor([]) takes the default dtype
    return INFERRED_DTYPE[max(kinds, key=KIND_ORDER.index)]


@given(case=nested_lists())
def test_tensor_from_nested_list_infers_dtype_shape_and_values(case):
    """torch.tensor(data) takes its shape from the nesting and its dtype from the scalars."""
    data, shape = case
    t = torch.tensor(data)
    dtype = expected_dtype(data)
    assert t.dtype == dtype, f"torch.tensor({data!r}) has dtype {t.dtype}, expected {dtype}"
    assert tuple(t.shape) == shape
    with np.errstate(over="ignore"):  # floats beyond float32 become inf in both
        expected = np.array(data, dtype=NUMPY_DTYPE[dtype]).reshape(shape)
    np.testing.assert_array_equal(t.numpy(), expected)


@given(array=arrays_of(dtypes(ALL)))
def test_from_numpy_keeps_dtype_and_shares_memory(array):
    """torch.from_numpy(a) has a's dtype and shape and is a view of a's memory."""
    t = torch.from_numpy(array)
    assert t.dtype == TORCH_DTYPE[array.dtype]
    assert tuple(t.shape) == array.shape
    np.testing.assert_array_equal(t.numpy(), array)
    if array.size:
        assert t.data_ptr() == array.ctypes.data, "from_numpy copied the array"


@given(array=arrays_of(dtypes(ALL)))
def test_tensor_from_ndarray_copies(array):
    """torch.tensor(a) copies: the tensor does not share a's memory."""
    t = torch.tensor(array)
    assert t.dtype == TORCH_DTYPE[array.dtype]
    np.testing.assert_array_equal(t.numpy(), array)
    if array.size:
        before = t.numpy().copy()
        array.flat[0] = not array.flat[0]  # 0 <-> 1 in every dtype, no overflow
        np.testing.assert_array_equal(t.numpy(), before, err_msg="torch.tensor(ndarray) shares memory")


# torch factory name -> numpy oracle; torch functions are looked up at call time so that a
# monkeypatched (deliberately broken) torch is the one under test.
LIKE_FACTORIES = {"ones_like": np.ones, "zeros_like": np.zeros}


@pytest.mark.parametrize("factory", LIKE_FACTORIES)
@given(array=arrays_of(dtypes(ALL)), override=st.none() | dtypes(ALL))
def test_constant_like_keeps_shape_dtype_device(device, factory, array, override):
    """ones_like/zeros_like keep shape, dtype and device; dtype= overrides the dtype."""
    source = torch.tensor(array, device=device)
    kwargs = {} if override is None else {"dtype": override}
    t = getattr(torch, factory)(source, **kwargs)
    dtype = override or source.dtype
    assert (t.shape, t.dtype, t.device) == (source.shape, dtype, source.device)
    np.testing.assert_array_equal(
        t.cpu().numpy(), LIKE_FACTORIES[factory](array.shape, NUMPY_DTYPE[dtype])
    )


@given(array=arrays_of(dtypes(FLOAT)), override=st.none() | dtypes(FLOAT))
def test_rand_like_keeps_shape_dtype_device(device, array, override):
    """rand_like keeps shape, dtype and device (dtype= overrides); values lie in [0, 1)."""
    source = torch.tensor(array, device=device)
    kwargs = {} if override is None else {"dtype": override}
    t = torch.rand_like(source, **kwargs)
    assert (t.shape, t.dtype, t.device) == (source.shape, override or source.dtype, source.device)
    values = t.cpu().numpy()
    assert ((values >= 0) & (values < 1)).all(), f"rand_like gave values outside [0, 1): {values}"


@given(array=arrays_of(dtypes(INTEGER)), dtype=dtypes(FLOAT))
def test_rand_like_integer_needs_float_dtype(device, array, dtype):
    """The tutorial's rand_like(x_data, dtype=torch.float): integer tensors need the override."""
    source = torch.tensor(array, device=device)
    with pytest.raises(RuntimeError):
        torch.rand_like(source)
    t = torch.rand_like(source, dtype=dtype)
    assert (t.shape, t.dtype) == (source.shape, dtype)


CONSTANTS = {"ones": 1, "zeros": 0}


@pytest.mark.parametrize("factory", ["rand", "ones", "zeros"])
@given(shape=shapes(), dtype=st.none() | dtypes(FLOAT))
def test_factory_with_tuple_shape(device, factory, shape, dtype):
    """rand/ones/zeros(shape) accept a tuple or varargs; default dtype float32, on `device`."""
    kwargs = {"device": device} if dtype is None else {"device": device, "dtype": dtype}
    t = getattr(torch, factory)(shape, **kwargs)
    assert tuple(t.shape) == shape and isinstance(t.shape, tuple)
    assert t.dtype == (dtype or torch.float32)
    assert t.device.type == device
    if shape:  # varargs need at least one size
        assert getattr(torch, factory)(*shape, **kwargs).shape == t.shape
    values = t.cpu().float().numpy()
    if factory == "rand":
        assert ((values >= 0) & (values < 1)).all(), f"rand gave values outside [0, 1): {values}"
    else:
        np.testing.assert_array_equal(values, np.full(shape, CONSTANTS[factory], np.float32))


@covers("002-rand-attributes")
def test_tutorial_attributes(device):
    """Seed 002 prints shape torch.Size([3, 4]), dtype torch.float32, device cpu for rand(3, 4)."""
    t = torch.rand(3, 4, device=device)
    assert t.shape == torch.Size([3, 4]) and t.shape == (3, 4)
    assert t.dtype == torch.float32
    assert t.device.type == device
    assert str(torch.rand(3, 4).device) == "cpu"


# --- numpy scalars (np.bool_, np.int8, np.float16, ...) as data ---
# torch.tensor documents data as "a list, tuple, NumPy ndarray, scalar, and other types": a
# numpy scalar is a 0-d value of its dtype, as np.array(scalar) is.

def numpy_scalars(dtype, min_size=1, max_size=5):
    """Lists of numpy scalars of `dtype` (values small enough for every dtype)."""
    return st.lists(arrays(dtype, (), small=True).map(lambda a: a[()]), min_size=min_size,
                    max_size=max_size)


@without_shrinking()  # a strict xfail on the releases reference/bugs.py names
@pytest.mark.parametrize("dtype", ALL, ids=dtype_id)
@given(data=st.data())
def test_tensor_of_numpy_scalar_keeps_its_dtype(dtype, data):
    """torch.tensor(s) and torch.as_tensor(s) of a numpy scalar are 0-d tensors of its dtype
    and value."""
    (scalar,) = data.draw(numpy_scalars(dtype, max_size=1), label="scalar")
    for make in (torch.tensor, torch.as_tensor):
        t = make(scalar)
        assert t.dtype == dtype and t.shape == (), f"{make.__name__}({scalar!r}): {t.dtype} {t.shape}"
        np.testing.assert_array_equal(t.numpy(), np.array(scalar))


@without_shrinking()  # a strict xfail on the releases reference/bugs.py names
@pytest.mark.parametrize("dtype", ALL, ids=dtype_id)
@given(data=st.data())
def test_tensor_of_numpy_scalar_list_keeps_their_dtype(dtype, data):
    """torch.tensor([s0, s1, ...]) of numpy scalars of one dtype, flat or nested, has that
    dtype and np.array's shape and values."""
    scalars = data.draw(numpy_scalars(dtype, max_size=6), label="scalars")
    rows = data.draw(st.sampled_from([n for n in (1, 2, 3) if len(scalars) % n == 0]), label="rows")
    listed = nest(scalars, (rows, len(scalars) // rows)) if rows > 1 else scalars
    t = torch.tensor(listed)
    assert t.dtype == dtype, f"torch.tensor({listed!r}) has dtype {t.dtype}"
    np.testing.assert_array_equal(t.numpy(), np.array(listed))


# Sources whose values convert to every dtype alike in numpy and torch: non-negative (no
# wrap-around into uint8) and small, fractions exact in float16.
CONVERTIBLE = {
    torch.bool: st.booleans(),
    **{dtype: st.integers(0, SMALL_MAX) for dtype in INTEGER},
    **{dtype: st.builds(lambda whole, part: whole + part, st.integers(0, SMALL_MAX),
                        st.sampled_from((0.0, 0.25, 0.5, 0.75))) for dtype in FLOAT},
}
PYTHON_NUMBER = {"b": bool, "u": int, "i": int, "f": float}


@without_shrinking()  # a strict xfail on the releases reference/bugs.py names
@pytest.mark.parametrize("dtype", BOOL + NUMERIC, ids=dtype_id)
@given(data=st.data())
def test_tensor_of_numpy_scalars_with_dtype_converts(dtype, data):
    """torch.tensor(data, dtype=d) and torch.as_tensor(data, dtype=d) of numpy scalars, mixed
    with Python numbers of their kind, convert the values to d as numpy's astype does, for
    every d (float to integer truncates toward zero; anything to bool is value != 0)."""
    values = data.draw(st.lists(CONVERTIBLE[dtype], min_size=1, max_size=5), label="values")
    python = [False] + data.draw(st.lists(st.booleans(), min_size=len(values) - 1,
                                          max_size=len(values) - 1), label="which are Python numbers")
    kind = NUMPY_DTYPE[dtype].kind
    listed = [PYTHON_NUMBER[kind](value) if is_python else NUMPY_DTYPE[dtype].type(value)
              for value, is_python in zip(values, python)]
    exact = np.array(values, dtype=NUMPY_DTYPE[dtype])
    refused = {}
    for make, target in itertools.product((torch.tensor, torch.as_tensor), ALL):
        call = f"torch.{make.__name__}({listed!r}, dtype={target})"
        try:
            t = make(listed, dtype=target)
        except (TypeError, RuntimeError) as error:
            refused[call] = f"{type(error).__name__}: {error}"
            continue
        np.testing.assert_array_equal(t.numpy(), exact.astype(NUMPY_DTYPE[target]), err_msg=call)
    assert not refused, f"refused: {refused}"
