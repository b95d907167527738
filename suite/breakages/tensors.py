"""Deliberately broken torches for the tensor conformance tests (see suite/breakages/__init__.py)."""

import numpy as np
import torch

from suite.breakages import FAILED, Breakage, wrap


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


def numpy_of_cuda_copies_silently(mp):
    """numpy() of a CUDA tensor copies it to the host instead of raising."""
    wrap(mp, torch.Tensor, "numpy", lambda numpy: lambda self, **k: numpy(
        self.cpu() if self.device.type == "cuda" else self, **k))


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


def same_shape_squares(a, b):
    """Whether a and b are same-shape (batched) square matrices, where an elementwise and a
    matrix product have the same shape and only the values tell them apart."""
    return (isinstance(b, torch.Tensor) and a.dim() >= 2 and a.shape == b.shape
            and a.shape[-1] == a.shape[-2])


def product_swapped(owner, name, other):
    """owner.name computes `other(a, b)` on same-shape squares (and without out=)."""
    def patch(mp):
        def make(product):
            def broken(a, b, *args, **kwargs):
                if same_shape_squares(a, b) and kwargs.get("out") is None:
                    return other(a, b)
                return product(a, b, *args, **kwargs)

            return broken

        wrap(mp, owner, name, make)

    return patch


def ignores_out(name):
    """torch.name(a, b, out=o) returns o without writing the product into it."""
    def patch(mp):
        wrap(mp, torch, name, lambda product: lambda a, b, *, out=None: (
            out if out is not None else product(a, b)))

    return patch


def mul_operator_adds(mp):
    mp.setattr(torch.Tensor, "__mul__", lambda a, b: torch.add(a, b))


def elementwise(a, b):
    return torch.Tensor.__mul__(a, b)


def matrix_product(a, b):
    return torch.Tensor.__matmul__(a, b)


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
    from suite.conformance.test_inplace import OPS  # imported by then: the test is running

    for name in OPS:
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
    Breakage("tensor-infers-float-for-ints", int_lists_become_float, [
        "suite/conformance/test_creation.py::test_tensor_from_nested_list_infers_dtype_shape_and_values",
    ]),
    Breakage("from_numpy-copies", from_numpy_copies, [
        "suite/conformance/test_creation.py::test_from_numpy_keeps_dtype_and_shares_memory",
        "suite/conformance/test_numpy_bridge.py::test_numpy_add_out_shows_in_tensor",
        "suite/conformance/test_numpy_bridge.py::test_tensor_add_shows_in_source_array",
        "suite/conformance/test_numpy_bridge.py::test_from_numpy_of_positive_strides_shares",
    ]),
    Breakage("tensor-shares-ndarray", tensor_shares_ndarray, [
        "suite/conformance/test_creation.py::test_tensor_from_ndarray_copies",
    ]),
    Breakage("ones_like-ignores-dtype", like_ignores_dtype("ones_like"), [
        "suite/conformance/test_creation.py::test_constant_like_keeps_shape_dtype_device[*-ones_like]",
    ]),
    Breakage("zeros_like-ignores-dtype", like_ignores_dtype("zeros_like"), [
        "suite/conformance/test_creation.py::test_constant_like_keeps_shape_dtype_device[*-zeros_like]",
    ]),
    Breakage("rand_like-beyond-1", rand_doubles("rand_like"), [
        "suite/conformance/test_creation.py::test_rand_like_keeps_shape_dtype_device",
    ]),
    Breakage("rand_like-accepts-integers", rand_like_accepts_integers, [
        "suite/conformance/test_creation.py::test_rand_like_integer_needs_float_dtype",
    ]),
    Breakage("rand-beyond-1", rand_doubles("rand"), [
        "suite/conformance/test_creation.py::test_factory_with_tuple_shape[*-rand]",
    ]),
    Breakage("ones-defaults-to-float64", factory_defaults_to_float64("ones"), [
        "suite/conformance/test_creation.py::test_factory_with_tuple_shape[*-ones]",
    ]),
    Breakage("zeros-defaults-to-float64", factory_defaults_to_float64("zeros"), [
        "suite/conformance/test_creation.py::test_factory_with_tuple_shape[*-zeros]",
    ]),
    Breakage("rand-defaults-to-float64", factory_defaults_to_float64("rand"), [
        "suite/conformance/test_creation.py::test_tutorial_attributes",
    ]),
    Breakage("numpy-copies", numpy_copies, [
        "suite/conformance/test_numpy_bridge.py::test_tensor_add_shows_in_numpy_view",
        "suite/conformance/test_numpy_bridge.py::test_numpy_of_strided_view_shares_memory",
    ]),
    Breakage("numpy-detaches-silently", numpy_detaches_silently, [
        "suite/conformance/test_numpy_bridge.py::test_numpy_of_tensor_requiring_grad_raises",
    ]),
    Breakage("numpy-of-cuda-copies-silently", numpy_of_cuda_copies_silently, [
        "suite/conformance/test_numpy_bridge.py::test_numpy_of_cuda_tensor_raises",
    ]),
    Breakage("from_numpy-accepts-negative-strides", from_numpy_accepts_negative_strides, [
        "suite/conformance/test_numpy_bridge.py::test_from_numpy_of_negative_strides_raises",
    ]),
    Breakage("getitem-ignores-steps", getitem_ignores_steps, [
        "suite/conformance/test_indexing.py::test_basic_index_matches_numpy",
    ]),
    Breakage("getitem-copies", getitem_copies, [
        "suite/conformance/test_indexing.py::test_basic_index_is_a_view",
    ]),
    Breakage("getitem-accepts-negative-steps", getitem_accepts_negative_steps, [
        "suite/conformance/test_indexing.py::test_negative_step_raises",
    ]),
    Breakage("setitem-dropped", setitem_is_dropped, [
        "suite/conformance/test_indexing.py::test_assignment_through_index",
        "suite/conformance/test_indexing.py::test_tutorial_row_column_and_assignment",
    ]),
    # joining along the wrong dim either gives the wrong shape or torch's own size error
    Breakage("cat-ignores-dim", cat_ignores_dim, [
        "suite/conformance/test_cat_stack.py::test_cat_matches_concatenate",
        "suite/conformance/test_cat_stack.py::test_tutorial_cat_of_three",
    ], caught_as=FAILED + (RuntimeError,)),
    Breakage("cat-rejects-legacy-empty", cat_rejects_legacy_empty, [
        "suite/conformance/test_cat_stack.py::test_cat_ignores_legacy_empty_1d",
    ], caught_as=(RuntimeError,)),
    Breakage("cat-crops-mismatches", cat_crops_mismatches, [
        "suite/conformance/test_cat_stack.py::test_cat_of_mismatched_shapes_raises",
    ]),
    Breakage("stack-ignores-dim", stack_ignores_dim, [
        "suite/conformance/test_cat_stack.py::test_stack_matches_numpy",
    ]),
    Breakage("stack-broadcasts", stack_broadcasts, [
        "suite/conformance/test_cat_stack.py::test_stack_of_mismatched_shapes_raises",
    ]),
    Breakage("mul-operator-adds", mul_operator_adds, [
        "suite/conformance/test_arithmetic.py::test_elementwise_mul_matches_numpy[*-mul-operator]",
    ]),
    Breakage("mul-method-is-matmul", product_swapped(torch.Tensor, "mul", matrix_product), [
        "suite/conformance/test_arithmetic.py::test_elementwise_mul_matches_numpy[*-mul-method]",
    ]),
    Breakage("mul-function-is-matmul", product_swapped(torch, "mul", matrix_product), [
        "suite/conformance/test_arithmetic.py::test_elementwise_mul_matches_numpy[*-mul-function]",
    ]),
    Breakage("mul-ignores-out", ignores_out("mul"), [
        "suite/conformance/test_arithmetic.py::test_elementwise_mul_matches_numpy[*-mul-out]",
    ]),
    Breakage("matmul-operator-elementwise",
             product_swapped(torch.Tensor, "__matmul__", elementwise), [
        "suite/conformance/test_arithmetic.py::test_matmul_forms_match_numpy[*-matmul-operator]",
        "suite/conformance/test_arithmetic.py::test_tutorial_elementwise_is_not_matmul",
    ]),
    Breakage("matmul-method-is-elementwise",
             product_swapped(torch.Tensor, "matmul", elementwise), [
        "suite/conformance/test_arithmetic.py::test_matmul_forms_match_numpy[*-matmul-method]",
    ]),
    Breakage("matmul-function-is-elementwise", product_swapped(torch, "matmul", elementwise), [
        "suite/conformance/test_arithmetic.py::test_matmul_forms_match_numpy[*-matmul-function]",
    ]),
    Breakage("matmul-ignores-out", ignores_out("matmul"), [
        "suite/conformance/test_arithmetic.py::test_matmul_forms_match_numpy[*-matmul-out]",
    ]),
    Breakage("sum-keeps-integer-dtype", sum_keeps_integer_dtype, [
        "suite/conformance/test_arithmetic.py::test_sum_matches_numpy",
    ]),
    Breakage("mean-ignores-dim", mean_ignores_dim, [
        "suite/conformance/test_arithmetic.py::test_mean_matches_numpy",
    ]),
    Breakage("mean-casts-integers", mean_casts_integers, [
        "suite/conformance/test_arithmetic.py::test_mean_of_integers_raises",
    ]),
    Breakage("argmax-last-tie", argmax_takes_last_tie, [
        "suite/conformance/test_arithmetic.py::test_argmax_returns_first_of_ties",
    ]),
    Breakage("item-returns-float", item_returns_float, [
        "suite/conformance/test_arithmetic.py::test_item_returns_exact_python_scalar",
    ]),
    Breakage("item-takes-first", item_takes_first_of_many, [
        "suite/conformance/test_arithmetic.py::test_item_of_many_elements_raises",
    ]),
    Breakage("inplace-ops-copy", inplace_ops_copy, [
        "suite/conformance/test_inplace.py::test_inplace_mutates_and_returns_self",
    ]),
    Breakage("twins-mutate-input", twins_mutate_input, [
        "suite/conformance/test_inplace.py::test_out_of_place_twin_leaves_input[*-add_]",
        "suite/conformance/test_inplace.py::test_out_of_place_twin_leaves_input[*-sub_]",
        "suite/conformance/test_inplace.py::test_out_of_place_twin_leaves_input[*-mul_]",
        "suite/conformance/test_inplace.py::test_out_of_place_twin_leaves_input[*-div_]",
        "suite/conformance/test_inplace.py::test_out_of_place_twin_leaves_input[*-neg_]",
        "suite/conformance/test_inplace.py::test_out_of_place_twin_leaves_input[*-abs_]",
        "suite/conformance/test_inplace.py::test_out_of_place_twin_leaves_input[*-clamp_]",
        "suite/conformance/test_inplace.py::test_out_of_place_twin_leaves_input[*-t_]",
    ]),
    Breakage("add_-crops-broadcast", add_crops_broadcast, [
        "suite/conformance/test_inplace.py::test_inplace_cannot_change_shape",
    ]),
    Breakage("add_-casts-any-result", add_casts_any_result, [
        "suite/conformance/test_inplace.py::test_inplace_cannot_promote_dtype_category",
    ]),
    Breakage("add_-allowed-on-grad-leaf", add_allowed_on_grad_leaf, [
        "suite/conformance/test_inplace.py::test_inplace_on_leaf_requiring_grad_raises",
    ]),
]
