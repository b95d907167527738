"""Deliberately broken torches for the shape and memory tests (see suite/breakages/__init__.py)."""

import torch
from torch import nn

from suite.breakages import FAILED, Breakage, wrap

TESTS = "suite/conformance/test_views.py::"


def sizes(shape) -> tuple:
    """view(2, 3) and view((2, 3)) alike, as one tuple."""
    return tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape


def is_dtype_form(shape) -> bool:
    return len(shape) == 1 and isinstance(shape[0], torch.dtype)


def view_copies(mp):
    wrap(mp, torch.Tensor, "view", lambda view: lambda self, *shape: view(self, *shape).clone())


def view_reverses_elements(mp):
    def make(view):
        def broken(self, *shape):
            result = view(self, *shape)
            return result if is_dtype_form(shape) else result.flatten().flip(0).reshape(result.shape)

        return broken

    wrap(mp, torch.Tensor, "view", make)


def view_never_raises(mp):
    """Falls back to a copy where no view is possible, as reshape does."""
    def make(view):
        def broken(self, *shape):
            try:
                return view(self, *shape)
            except RuntimeError:
                return self.reshape(sizes(shape))

        return broken

    wrap(mp, torch.Tensor, "view", make)


def view_rejects_minus_one(mp):
    def make(view):
        def broken(self, *shape):
            if not is_dtype_form(shape) and -1 in sizes(shape):
                raise RuntimeError("broken torch: view cannot infer a size")
            return view(self, *shape)

        return broken

    wrap(mp, torch.Tensor, "view", make)


def view_accepts_two_minus_ones(mp):
    """Every -1 after the first is read as 1."""
    def make(view):
        def broken(self, *shape):
            if is_dtype_form(shape):
                return view(self, *shape)
            shape = sizes(shape)
            first = shape.index(-1) if -1 in shape else len(shape)
            return view(self, tuple(1 if s == -1 and i > first else s for i, s in enumerate(shape)))

        return broken

    wrap(mp, torch.Tensor, "view", make)


def reshape_always_copies(mp):
    wrap(mp, torch.Tensor, "reshape",
         lambda reshape: lambda self, *shape: reshape(self, *shape).clone())


def reshape_makes_input_contiguous(mp):
    """Where no view is possible, reshape re-lays its input out contiguously in place and
    returns a view of that: the "copy" then aliases the input."""
    def make(reshape):
        def broken(self, *shape):
            try:
                return self.view(sizes(shape))
            except RuntimeError:
                self.set_(self.contiguous())
                return reshape(self, *shape)

        return broken

    wrap(mp, torch.Tensor, "reshape", make)


def reshape_reverses_elements(mp):
    def make(reshape):
        def broken(self, *shape):
            result = reshape(self, *shape)
            return reshape(result.flatten().flip(0), result.shape)

        return broken

    wrap(mp, torch.Tensor, "reshape", make)
    wrap(mp, torch, "reshape", lambda _: lambda t, shape: torch.Tensor.reshape(t, shape))


def wrap_both(mp, name, make):
    """Break torch.name and the method Tensor.name alike."""
    wrap(mp, torch, name, make)
    wrap(mp, torch.Tensor, name, make)


def flatten_ignores_end_dim(mp):
    wrap_both(mp, "flatten",
              lambda flatten: lambda t, start_dim=0, end_dim=-1: flatten(t, start_dim))


def flatten_always_copies(mp):
    wrap_both(mp, "flatten", lambda flatten: lambda t, *a, **k: flatten(t, *a, **k).clone())


def nn_flatten_default_start_0(mp):
    def make(init):
        def broken(self, start_dim=0, end_dim=-1):
            init(self, start_dim, end_dim)

        return broken

    wrap(mp, nn.Flatten, "__init__", make)


def nn_flatten_ignores_end_dim(mp):
    mp.setattr(nn.Flatten, "forward", lambda self, input: input.flatten(self.start_dim))


def transpose_copies(mp):
    wrap_both(mp, "transpose", lambda transpose: lambda t, d0, d1: transpose(t, d0, d1).clone())


def attribute_copies(name):
    def patch(mp):
        original = getattr(torch.Tensor, name)  # the C getter of TensorBase
        mp.setattr(torch.Tensor, name, property(lambda self: original.__get__(self).clone()))

    return patch


def permute_ignores_order(mp):
    """permute keeps the dims in their order, whatever order it is given."""
    def make(permute):
        def broken(self, *dims):
            return permute(self, tuple(sorted(d % max(self.dim(), 1) for d in sizes(dims))))

        return broken

    wrap(mp, torch.Tensor, "permute", make)


def contiguous_always_copies(mp):
    wrap(mp, torch.Tensor, "contiguous", lambda contiguous: lambda self, **k: (
        contiguous(self, **k).clone(memory_format=torch.contiguous_format)))


def contiguous_noop(mp):
    mp.setattr(torch.Tensor, "contiguous", lambda self, **k: self)


def tutorial(*forms):
    return [f"{TESTS}test_tutorial_flattening_forms[*-{form}]" for form in forms]


BREAKAGES = [
    Breakage("view-copies", view_copies, [
        f"{TESTS}test_view_shares_memory",
        *tutorial("view-minus-one-490", "view-batch-minus-one", "view-batch-256x6x6"),
    ]),
    Breakage("view-reverses-elements", view_reverses_elements, [
        f"{TESTS}test_view_values_match_numpy_reshape",
    ]),
    Breakage("view-never-raises", view_never_raises, [
        f"{TESTS}test_view_raises_when_strides_forbid",
    ]),
    Breakage("view-rejects-minus-one", view_rejects_minus_one, [
        f"{TESTS}test_view_infers_minus_one",
        *tutorial("view-minus-one-490", "view-batch-minus-one"),
    ], caught_as=FAILED + (RuntimeError,)),
    Breakage("view-accepts-two-minus-ones", view_accepts_two_minus_ones, [
        f"{TESTS}test_view_rejects_two_minus_ones",
    ]),
    Breakage("reshape-always-copies", reshape_always_copies, [
        f"{TESTS}test_reshape_is_a_view_when_strides_allow",
    ]),
    Breakage("reshape-makes-input-contiguous", reshape_makes_input_contiguous, [
        f"{TESTS}test_reshape_copies_when_no_view_is_possible",
    ]),
    Breakage("reshape-reverses-elements", reshape_reverses_elements, [
        f"{TESTS}test_reshape_values_match_numpy",
    ]),
    Breakage("flatten-ignores-end-dim", flatten_ignores_end_dim, [
        f"{TESTS}test_flatten_shape_and_values",
    ]),
    Breakage("flatten-always-copies", flatten_always_copies, [
        f"{TESTS}test_flatten_returns_input_or_a_view",
        *tutorial("torch-flatten-1", "nn-flatten"),
    ]),
    Breakage("nn-flatten-default-start-0", nn_flatten_default_start_0, [
        f"{TESTS}test_nn_flatten_defaults",
    ]),
    Breakage("nn-flatten-ignores-end-dim", nn_flatten_ignores_end_dim, [
        f"{TESTS}test_nn_flatten_with_dims",
    ]),
    Breakage("transpose-copies", transpose_copies, [
        f"{TESTS}test_transpose_is_a_view",
    ]),
    Breakage("T-copies", attribute_copies("T"), [
        f"{TESTS}test_T_transposes_a_matrix_as_a_view",
    ]),
    Breakage("mT-copies", attribute_copies("mT"), [
        f"{TESTS}test_mT_transposes_the_last_two_dims_as_a_view",
    ]),
    Breakage("permute-ignores-order", permute_ignores_order, [
        f"{TESTS}test_permute_is_a_view",
    ]),
    Breakage("contiguous-always-copies", contiguous_always_copies, [
        f"{TESTS}test_contiguous_returns_self_when_contiguous",
    ]),
    Breakage("contiguous-noop", contiguous_noop, [
        f"{TESTS}test_contiguous_copies_a_strided_tensor",
    ]),
]
