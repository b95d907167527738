"""When a strided array can be viewed with a new shape, as torch.Tensor.view documents it.

The condition, in the words of the torch.Tensor.view documentation (torch 2.5 to 2.14 alike):

    For a tensor to be viewed, the new view size must be compatible with its original size
    and stride, i.e., each new view dimension must either be a subspace of an original
    dimension, or only span across original dimensions d, d+1, ..., d+k that satisfy the
    following contiguity-like condition that for all i = d, ..., d+k-1,
        stride[i] = stride[i+1] * size[i+1].
    Otherwise, it will not be possible to view self tensor as shape without copying it.

Read literally, in row-major (C) order: the boundary between original dims i and i+1 lies
after prod(size[:i+1]) elements; a new dim "spans across" dims i and i+1 when no boundary of
the new shape lies there too (otherwise every new dim beside it is a subspace of one side).
So the view is possible exactly when every original boundary that no new boundary matches
satisfies stride[i] = stride[i+1] * size[i+1]. Strides are counted in elements. No torch here;
numpy's no-copy reshape (np.reshape(a, shape, copy=False), numpy >= 2.1) is the independent
check of this function (suite/conformance/test_views.py).
"""

import math

import numpy as np


def boundaries(shape) -> list[int]:
    """Where the boundaries between consecutive dims lie: prod(shape[:i+1]) for each i < n-1."""
    return [math.prod(shape[: i + 1]) for i in range(len(shape) - 1)]


def spanned_boundaries(shape, new_shape) -> list[int]:
    """The original dims i whose boundary with i+1 some new dim spans (no new boundary there)."""
    if math.prod(shape) != math.prod(new_shape):
        raise ValueError(f"shape {tuple(new_shape)} is invalid for input of shape {tuple(shape)}")
    new = set(boundaries(new_shape))
    return [i for i, at in enumerate(boundaries(shape)) if at not in new]


def view_possible(shape, strides, new_shape) -> bool:
    """Whether the documented condition lets (shape, strides) be viewed as new_shape."""
    return all(strides[i] == strides[i + 1] * shape[i + 1]
               for i in spanned_boundaries(shape, new_shape))


def constrains_only_idle_strides(shape, new_shape) -> bool:
    """Whether the literal condition is stricter than memory requires: the array has no
    elements, or a spanned boundary touches a size-1 dim. A size-1 dim's stride is never
    multiplied by a nonzero index, so its value changes no element's address, yet the
    documented equation still constrains it. There the documentation says "not possible"
    where numpy's no-copy reshape (and torch) do view."""
    if math.prod(shape) == 0:
        return True
    return any(shape[i] == 1 or shape[i + 1] == 1 for i in spanned_boundaries(shape, new_shape))


def numpy_can_view(array: np.ndarray, new_shape) -> bool:
    """numpy's own answer: whether it reshapes `array` to new_shape without a copy."""
    if np.lib.NumpyVersion(np.__version__) >= "2.1.0":
        try:
            np.reshape(array, new_shape, copy=False)
        except ValueError:
            return False
        return True
    view = array.view()
    try:
        view.shape = new_shape  # numpy < 2.1: setting .shape raises where a copy is needed
    except AttributeError:
        return False
    return True


def flattened_shape(shape, start_dim=0, end_dim=-1) -> tuple:
    """torch.flatten's documented result shape: dims start_dim..end_dim become one dim whose
    size is their product; a 0-d input becomes 1-d. Negative dims count from the end."""
    if not shape:
        return (1,)
    n = len(shape)
    start, end = start_dim % n, end_dim % n
    if start > end:
        raise ValueError(f"start_dim {start_dim} comes after end_dim {end_dim}")
    return tuple(shape[:start]) + (math.prod(shape[start : end + 1]),) + tuple(shape[end + 1 :])

