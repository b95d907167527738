"""Deliberately broken torches for numpy 2's array protocols, DLPack and numpy scalars (see
suite/breakages/__init__.py)."""

import numpy as np
import torch

from suite.breakages import FAILED, Breakage, wrap

BRIDGE = "suite/conformance/test_numpy_bridge.py::"
CREATION = "suite/conformance/test_creation.py::"
INDEXING = "suite/conformance/test_indexing.py::"


def array_protocol(make_array):
    """Tensor.__array__(dtype=None, copy=None) as numpy 2 documents it, its result made by
    make_array(tensor, dtype, copy)."""

    def patch(mp):
        mp.setattr(torch.Tensor, "__array__",
                   lambda self, dtype=None, copy=None: make_array(self, dtype, copy))

    return patch


def shared(t, dtype, copy):
    array = t.numpy()
    return array if dtype is None else array.astype(dtype, copy=False)


def always_copied(t, dtype, copy):
    return shared(t, dtype, copy).copy()


def dtype_through_int(t, dtype, copy):
    """dtype= honoured, but through an integer cast that drops every fraction."""
    array = t.numpy()
    return array if dtype is None else array.astype(np.int64).astype(dtype)


def from_dlpack_copies(mp):
    wrap(mp, torch, "from_dlpack", lambda from_dlpack: lambda x, *a, **k: from_dlpack(x, *a, **k).clone())


def dlpack_exports_a_copy(mp):
    wrap(mp, torch.Tensor, "__dlpack__",
         lambda dlpack: lambda self, *a, **k: dlpack(self.clone(), *a, **k))


def child_script_prefixed(prefix):
    """The negative-stride DLPack test's fresh interpreter runs `prefix` first: its torch is
    broken there."""

    def patch(mp):
        from suite.conformance import test_numpy_bridge as module  # imported: the test is running

        mp.setattr(module, "NEGATIVE_STRIDE_DLPACK", prefix + module.NEGATIVE_STRIDE_DLPACK)

    return patch


ABORTS_ON_NEGATIVE_STRIDES = """
import os, numpy as np, torch
_from_dlpack = torch.from_dlpack
def _aborting(x, *a, **k):
    if isinstance(x, np.ndarray) and min(x.strides, default=0) < 0:
        os.abort()
    return _from_dlpack(x, *a, **k)
torch.from_dlpack = _aborting
"""
DROPS_THE_REVERSAL = """
import numpy as np, torch
torch.from_dlpack = lambda x, *a, **k: torch.from_numpy(np.ascontiguousarray(x[::-1]))
"""


def tensor_refuses_numpy_scalars(kind):
    """torch.tensor / as_tensor raise on numpy scalars of `kind` ('b', 'i', 'f', ...), alone or
    in lists."""

    def has_scalar(data):
        if isinstance(data, (list, tuple)):
            return any(has_scalar(item) for item in data)
        return isinstance(data, np.generic) and data.dtype.kind == kind

    def make(factory):
        def broken(data, *a, **k):
            if has_scalar(data):
                raise TypeError("broken torch: numpy scalar refused")
            return factory(data, *a, **k)

        return broken

    def patch(mp):
        wrap(mp, torch, "tensor", make)
        wrap(mp, torch, "as_tensor", make)

    return patch


def numpy_scalar_lists_become_default_dtype(mp):
    def make(tensor):
        def broken(data, *a, **k):
            t = tensor(data, *a, **k)
            if isinstance(data, list) and not a and "dtype" not in k and t.is_floating_point():
                return t.to(torch.get_default_dtype())
            return t

        return broken

    wrap(mp, torch, "tensor", make)


def numpy_scalars_converted_loosely(mp):
    """torch.tensor(data, dtype=d) of numpy scalars rounds floats to the nearest integer and
    makes every value True for bool."""
    def loose(x, dtype):
        if dtype == torch.bool:
            return True
        return round(float(x)) if not dtype.is_floating_point and not dtype.is_complex else x

    def make(tensor):
        def broken(data, *a, dtype=None, **k):
            if dtype is not None and isinstance(data, list) and any(isinstance(x, np.generic) for x in data):
                data = [loose(x, dtype) for x in data]
            return tensor(data, *a, dtype=dtype, **k)

        return broken

    wrap(mp, torch, "tensor", make)


def numpy_integers_index_from_the_end(mp):
    """A numpy integer index counts from the end (a sign mix-up)."""
    def flip(part):
        return -1 - int(part) if isinstance(part, np.integer) else part

    def make(get):
        def broken(self, index):
            index = tuple(map(flip, index)) if isinstance(index, tuple) else flip(index)
            return get(self, index)

        return broken

    wrap(mp, torch.Tensor, "__getitem__", make)


BREAKAGES = [
    Breakage("asarray-copies", array_protocol(always_copied), [
        f"{BRIDGE}test_asarray_of_tensor_shares_memory",
        f"{BRIDGE}test_asarray_of_tensor_with_copy_false_shares",
    ]),
    Breakage("asarray-dtype-through-int", array_protocol(dtype_through_int), [
        f"{BRIDGE}test_asarray_of_tensor_with_dtype_converts",
    ]),
    Breakage("array-copy-true-shares", array_protocol(shared), [
        f"{BRIDGE}test_array_of_tensor_with_copy_true_copies",
    ]),
    Breakage("from_dlpack-copies", from_dlpack_copies, [
        f"{BRIDGE}test_torch_from_dlpack_of_ndarray_shares_memory",
    ]),
    Breakage("dlpack-exports-a-copy", dlpack_exports_a_copy, [
        f"{BRIDGE}test_numpy_from_dlpack_of_tensor_shares_memory",
    ]),
    Breakage("from_dlpack-aborts-on-negative-strides", child_script_prefixed(ABORTS_ON_NEGATIVE_STRIDES), [
        f"{BRIDGE}test_torch_from_dlpack_of_negative_strides_refuses_or_shares",
    ]),
    Breakage("from_dlpack-drops-a-reversal", child_script_prefixed(DROPS_THE_REVERSAL), [
        f"{BRIDGE}test_torch_from_dlpack_of_negative_strides_refuses_or_shares",
    ]),
    Breakage("tensor-refuses-numpy-ints", tensor_refuses_numpy_scalars("i"), [
        f"{CREATION}test_tensor_of_numpy_scalar_keeps_its_dtype[int*]",
        f"{CREATION}test_tensor_of_numpy_scalar_list_keeps_their_dtype[int*]",
        f"{CREATION}test_tensor_of_numpy_scalars_with_dtype_converts[int*]",
    ], caught_as=FAILED + (TypeError,)),
    Breakage("tensor-refuses-numpy-floats", tensor_refuses_numpy_scalars("f"), [
        f"{CREATION}test_tensor_of_numpy_scalar_keeps_its_dtype[float*]",
        f"{CREATION}test_tensor_of_numpy_scalar_list_keeps_their_dtype[float*]",
        f"{CREATION}test_tensor_of_numpy_scalars_with_dtype_converts[float64]",
    ], caught_as=FAILED + (TypeError,)),
    Breakage("tensor-refuses-numpy-bools", tensor_refuses_numpy_scalars("b"), [
        f"{CREATION}test_tensor_of_numpy_scalar_keeps_its_dtype[bool]",
        f"{CREATION}test_tensor_of_numpy_scalar_list_keeps_their_dtype[bool]",
        f"{CREATION}test_tensor_of_numpy_scalars_with_dtype_converts[bool]",
    ], caught_as=FAILED + (TypeError,)),
    Breakage("tensor-refuses-numpy-complex", tensor_refuses_numpy_scalars("c"), [
        f"{CREATION}test_tensor_of_numpy_scalar_keeps_its_dtype[complex*]",
        f"{CREATION}test_tensor_of_numpy_scalar_list_keeps_their_dtype[complex*]",
    ], caught_as=FAILED + (TypeError,)),
    Breakage("numpy-scalar-lists-become-default-dtype", numpy_scalar_lists_become_default_dtype, [
        f"{CREATION}test_tensor_of_numpy_scalar_list_keeps_their_dtype[float16]",
        f"{CREATION}test_tensor_of_numpy_scalar_list_keeps_their_dtype[float64]",
    ]),
    Breakage("numpy-scalars-convert-loosely", numpy_scalars_converted_loosely, [
        f"{CREATION}test_tensor_of_numpy_scalars_with_dtype_converts[int*]",
        f"{CREATION}test_tensor_of_numpy_scalars_with_dtype_converts[uint8]",
        f"{CREATION}test_tensor_of_numpy_scalars_with_dtype_converts[float64]",
    ]),
    Breakage("numpy-integer-index-from-the-end", numpy_integers_index_from_the_end, [
        f"{INDEXING}test_numpy_integer_scalars_index_like_ints",
    ]),
]
