"""Deliberately broken torches for the tensor conformance tests (see breaking.py)."""

import numpy as np
import pytest
import torch

from suite.conformance import (
    test_arithmetic as arithmetic,
    test_cat_stack as cat_stack,
    test_creation as creation,
    test_indexing as indexing,
    test_inplace as inplace,
    test_numpy_bridge as bridge,
)
from suite.selftest.breaking import FAILED, Breakage, assert_caught, cases, on_cpu, wrap

NOT_BREAKABLE_HERE = {
    bridge.test_numpy_of_cuda_tensor_raises: "needs CUDA: it is checked on the GPU machine",
}


def int_lists_become_float(mp):
    def make(tensor):
        def broken(data, *args, **kwargs):
            t = tensor(data, *args, **kwargs)
            return t.float() if isinstance(data, list) and t.dtype == torch.int64 else t

        return broken

    wrap(mp, torch, "tensor", make)


def from_numpy_copies(mp):
    wrap(mp, torch, "from_numpy", lambda from_numpy: lambda a: from_numpy(a.copy()))


def tensor_shares_ndarray(mp):
    wrap(
        mp, torch, "tensor",
        lambda tensor: lambda data, *a, **k: (
            torch.from_numpy(data) if isinstance(data, np.ndarray) and not a and not k
            else tensor(data, *a, **k)
        ),
    )


def like_ignores_dtype(name):
    def patch(mp):
        wrap(mp, torch, name, lambda like: lambda t, dtype=None, **k: like(t, **k))

    return patch


def rand_doubles(name):
    def patch(mp):
        wrap(mp, torch, name, lambda rand: lambda *a, **k: rand(*a, **k) * 2)

    return patch


def rand_like_accepts_integers(mp):
    def make(rand_like):
        def broken(t, dtype=None, **k):
            if dtype is None and not t.is_floating_point():
                return torch.zeros_like(t)
            return rand_like(t, dtype=dtype, **k)

        return broken

    wrap(mp, torch, "rand_like", make)


def factory_defaults_to_float64(name):
    def patch(mp):
        wrap(
            mp, torch, name,
            lambda f: lambda *a, dtype=None, **k: f(*a, dtype=dtype or torch.float64, **k),
        )

    return patch


def numpy_copies(mp):
    wrap(mp, torch.Tensor, "numpy", lambda numpy: lambda self, **k: numpy(self, **k).copy())


def numpy_detaches_silently(mp):
    wrap(mp, torch.Tensor, "numpy", lambda numpy: lambda self, **k: numpy(self.detach(), **k))


def from_numpy_accepts_negative_strides(mp):
    wrap(
        mp, torch, "from_numpy",
        lambda from_numpy: lambda a: from_numpy(a.copy() if min(a.strides, default=0) < 0 else a),
    )


def drop_steps(index):
    def fix(part):
        return slice(part.start, part.stop) if isinstance(part, slice) else part

    return tuple(fix(p) for p in index) if isinstance(index, tuple) else fix(index)


def flip_steps(index):
    def fix(part):
        if isinstance(part, slice) and part.step is not None and part.step < 0:
            return slice(None, None, -part.step)
        return part

    return tuple(fix(p) for p in index) if isinstance(index, tuple) else fix(index)


def getitem_ignores_steps(mp):
    wrap(mp, torch.Tensor, "__getitem__", lambda get: lambda self, i: get(self, drop_steps(i)))


def getitem_copies(mp):
    wrap(mp, torch.Tensor, "__getitem__", lambda get: lambda self, i: get(self, i).clone())


def getitem_accepts_negative_steps(mp):
    wrap(mp, torch.Tensor, "__getitem__", lambda get: lambda self, i: get(self, flip_steps(i)))


def setitem_is_dropped(mp):
    mp.setattr(torch.Tensor, "__setitem__", lambda self, index, value: None)


def cat_ignores_dim(mp):
    wrap(mp, torch, "cat", lambda cat: lambda tensors, dim=0, **k: cat(tensors, dim=0, **k))


def stack_ignores_dim(mp):
    wrap(mp, torch, "stack", lambda stack: lambda tensors, dim=0, **k: stack(tensors, dim=0, **k))


def cat_rejects_legacy_empty(mp):
    def make(cat):
        def broken(tensors, dim=0, **k):
            if any(t.shape == (0,) for t in tensors):
                raise RuntimeError("broken torch: 1-D empty tensor in cat")
            return cat(tensors, dim=dim, **k)

        return broken

    wrap(mp, torch, "cat", make)


def cat_crops_mismatches(mp):
    def make(cat):
        def broken(tensors, dim=0, **k):
            if len({t.dim() for t in tensors}) == 1:
                axis = dim % tensors[0].dim()
                sizes = [min(t.shape[i] for t in tensors) for i in range(tensors[0].dim())]
                crop = tuple(slice(None) if i == axis else slice(0, s) for i, s in enumerate(sizes))
                tensors = [t[crop] for t in tensors]
            return cat(tensors, dim=dim, **k)

        return broken

    wrap(mp, torch, "cat", make)


def stack_broadcasts(mp):
    wrap(
        mp, torch, "stack",
        lambda stack: lambda tensors, dim=0, **k: stack(torch.broadcast_tensors(*tensors), dim=dim, **k),
    )


def matmul_ignores_out(mp):
    wrap(
        mp, torch, "matmul",
        lambda matmul: lambda a, b, out=None: out if out is not None else matmul(a, b),
    )


def matmul_operator_is_elementwise(mp):
    mp.setattr(torch.Tensor, "__matmul__", lambda a, b: a * b)


def mul_operator_adds(mp):
    mp.setattr(torch.Tensor, "__mul__", lambda a, b: torch.add(a, b))


def sum_keeps_integer_dtype(mp):
    wrap(
        mp, torch.Tensor, "sum",
        lambda total: lambda self, *a, **k: total(self, *a, **k).to(self.dtype),
    )


def mean_ignores_dim(mp):
    wrap(mp, torch.Tensor, "mean", lambda mean: lambda self, dim=None, **k: mean(self))


def mean_casts_integers(mp):
    wrap(
        mp, torch.Tensor, "mean",
        lambda mean: lambda self, *a, **k: mean(self if self.is_floating_point() else self.double(), *a, **k),
    )


def argmax_takes_last_tie(mp):
    def make(argmax):
        def broken(self, dim=None, **k):
            if dim is None:
                return self.numel() - 1 - argmax(self.reshape(-1).flip(0))
            return self.shape[dim] - 1 - argmax(self.flip(dim), dim=dim, **k)

        return broken

    wrap(mp, torch.Tensor, "argmax", make)


def item_returns_float(mp):
    def make(item):
        def broken(self):
            value = item(self)
            return float(value.real if isinstance(value, complex) else value)

        return broken

    wrap(mp, torch.Tensor, "item", make)


def item_takes_first_of_many(mp):
    wrap(
        mp, torch.Tensor, "item",
        lambda item: lambda self: item(self.reshape(-1)[:1] if self.numel() > 1 else self),
    )


def inplace_ops_copy(mp):
    for name in inplace.OPS:
        wrap(mp, torch.Tensor, name, lambda op: lambda self, *a, **k: op(self.clone(), *a, **k))


TWINS = {"add": "add_", "sub": "sub_", "mul": "mul_", "div": "div_", "neg": "neg_", "abs": "abs_",
         "clamp": "clamp_", "t": "t_"}


def twins_mutate_input(mp):
    for twin, method in TWINS.items():
        mp.setattr(torch.Tensor, twin, getattr(torch.Tensor, method))


def add_crops_broadcast(mp):
    def make(add_):
        def broken(self, other, **k):
            result = torch.add(self, other)
            if result.shape == self.shape:
                return add_(self, other, **k)
            lead = (0,) * (result.dim() - self.dim())
            return self.copy_(result[lead + tuple(slice(0, s) for s in self.shape)])

        return broken

    wrap(mp, torch.Tensor, "add_", make)


def add_casts_any_result(mp):
    mp.setattr(torch.Tensor, "add_", lambda self, other: self.copy_(torch.add(self, other)))


def add_allowed_on_grad_leaf(mp):
    def make(add_):
        def broken(self, *a, **k):
            with torch.no_grad():
                return add_(self, *a, **k)

        return broken

    wrap(mp, torch.Tensor, "add_", make)


BREAKAGES = [
    Breakage("tensor-infers-float-for-ints", int_lists_become_float,
             [creation.test_tensor_from_nested_list_infers_dtype_shape_and_values]),
    Breakage("from_numpy-copies", from_numpy_copies, [
        creation.test_from_numpy_keeps_dtype_and_shares_memory,
        bridge.test_numpy_add_out_shows_in_tensor,
        bridge.test_tensor_add_shows_in_source_array,
        bridge.test_from_numpy_of_positive_strides_shares,
    ]),
    Breakage("tensor-shares-ndarray", tensor_shares_ndarray, [creation.test_tensor_from_ndarray_copies]),
    Breakage("ones_like-ignores-dtype", like_ignores_dtype("ones_like"),
             [on_cpu(creation.test_constant_like_keeps_shape_dtype_device, factory="ones_like")]),
    Breakage("zeros_like-ignores-dtype", like_ignores_dtype("zeros_like"),
             [on_cpu(creation.test_constant_like_keeps_shape_dtype_device, factory="zeros_like")]),
    Breakage("rand_like-beyond-1", rand_doubles("rand_like"),
             [on_cpu(creation.test_rand_like_keeps_shape_dtype_device)]),
    Breakage("rand_like-accepts-integers", rand_like_accepts_integers,
             [on_cpu(creation.test_rand_like_integer_needs_float_dtype)]),
    Breakage("rand-beyond-1", rand_doubles("rand"),
             [on_cpu(creation.test_factory_with_tuple_shape, factory="rand")]),
    Breakage("ones-defaults-to-float64", factory_defaults_to_float64("ones"),
             [on_cpu(creation.test_factory_with_tuple_shape, factory="ones")]),
    Breakage("zeros-defaults-to-float64", factory_defaults_to_float64("zeros"),
             [on_cpu(creation.test_factory_with_tuple_shape, factory="zeros")]),
    Breakage("rand-defaults-to-float64", factory_defaults_to_float64("rand"),
             [on_cpu(creation.test_tutorial_attributes)]),
    Breakage("numpy-copies", numpy_copies, [
        bridge.test_tensor_add_shows_in_numpy_view,
        bridge.test_numpy_of_strided_view_shares_memory,
    ]),
    Breakage("numpy-detaches-silently", numpy_detaches_silently,
             [bridge.test_numpy_of_tensor_requiring_grad_raises]),
    Breakage("from_numpy-accepts-negative-strides", from_numpy_accepts_negative_strides,
             [bridge.test_from_numpy_of_negative_strides_raises]),
    Breakage("getitem-ignores-steps", getitem_ignores_steps, [on_cpu(indexing.test_basic_index_matches_numpy)]),
    Breakage("getitem-copies", getitem_copies, [on_cpu(indexing.test_basic_index_is_a_view)]),
    Breakage("getitem-accepts-negative-steps", getitem_accepts_negative_steps,
             [on_cpu(indexing.test_negative_step_raises)]),
    Breakage("setitem-dropped", setitem_is_dropped, [
        on_cpu(indexing.test_assignment_through_index),
        on_cpu(indexing.test_tutorial_row_column_and_assignment),
    ]),
    # joining along the wrong dim either gives the wrong shape or torch's own size error
    Breakage("cat-ignores-dim", cat_ignores_dim, [
        on_cpu(cat_stack.test_cat_matches_concatenate),
        on_cpu(cat_stack.test_tutorial_cat_of_three),
    ], caught_as=FAILED + (RuntimeError,)),
    Breakage("cat-rejects-legacy-empty", cat_rejects_legacy_empty,
             [on_cpu(cat_stack.test_cat_ignores_legacy_empty_1d)], caught_as=(RuntimeError,)),
    Breakage("cat-crops-mismatches", cat_crops_mismatches, [on_cpu(cat_stack.test_cat_of_mismatched_shapes_raises)]),
    Breakage("stack-ignores-dim", stack_ignores_dim, [on_cpu(cat_stack.test_stack_matches_numpy)]),
    Breakage("stack-broadcasts", stack_broadcasts, [on_cpu(cat_stack.test_stack_of_mismatched_shapes_raises)]),
    Breakage("matmul-ignores-out", matmul_ignores_out, [on_cpu(arithmetic.test_matmul_forms_match_numpy)]),
    Breakage("matmul-operator-elementwise", matmul_operator_is_elementwise,
             [on_cpu(arithmetic.test_tutorial_elementwise_is_not_matmul)]),
    Breakage("mul-operator-adds", mul_operator_adds, [on_cpu(arithmetic.test_elementwise_mul_matches_numpy)]),
    Breakage("sum-keeps-integer-dtype", sum_keeps_integer_dtype, [on_cpu(arithmetic.test_sum_matches_numpy)]),
    Breakage("mean-ignores-dim", mean_ignores_dim, [on_cpu(arithmetic.test_mean_matches_numpy)]),
    Breakage("mean-casts-integers", mean_casts_integers, [on_cpu(arithmetic.test_mean_of_integers_raises)]),
    Breakage("argmax-last-tie", argmax_takes_last_tie, [on_cpu(arithmetic.test_argmax_returns_first_of_ties)]),
    Breakage("item-returns-float", item_returns_float, [on_cpu(arithmetic.test_item_returns_exact_python_scalar)]),
    Breakage("item-takes-first", item_takes_first_of_many, [on_cpu(arithmetic.test_item_of_many_elements_raises)]),
    Breakage("inplace-ops-copy", inplace_ops_copy,
             [on_cpu(inplace.test_inplace_mutates_and_returns_self, op_name=op) for op in inplace.OPS]),
    Breakage("twins-mutate-input", twins_mutate_input,
             [on_cpu(inplace.test_out_of_place_twin_leaves_input, op_name=f"{twin}_") for twin in TWINS]),
    Breakage("add_-crops-broadcast", add_crops_broadcast, [on_cpu(inplace.test_inplace_cannot_change_shape)]),
    Breakage("add_-casts-any-result", add_casts_any_result,
             [on_cpu(inplace.test_inplace_cannot_promote_dtype_category)]),
    Breakage("add_-allowed-on-grad-leaf", add_allowed_on_grad_leaf,
             [on_cpu(inplace.test_inplace_on_leaf_requiring_grad_raises)]),
]


@pytest.mark.filterwarnings("ignore:Casting complex values to real")  # add_-casts-any-result
@pytest.mark.parametrize("breakage, test", cases(BREAKAGES))
def test_breakage_is_caught(breakage, test, monkeypatch):
    assert_caught(breakage, test, monkeypatch)
