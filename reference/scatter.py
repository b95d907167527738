"""Independent numpy oracles for Tensor.scatter_ and Tensor.scatter_reduce_.

Both follow the documentation's loop literally: for every position p of `index`, the target
position is p with its `dim` coordinate replaced by index[p], e.g. for a 3-D tensor and
dim == 0, self[index[i][j][k]][j][k] = src[i][j][k]. Results keep self's dtype (values
are cast to it as numpy assignment casts). This module must never import torch.
"""

import numpy as np

SCATTER_REDUCTIONS = ("add", "multiply")
SCATTER_REDUCE_REDUCTIONS = {
    "sum": np.sum,
    "prod": np.prod,
    "mean": np.mean,
    "amax": np.max,
    "amin": np.min,
}


def _require_scatter_args(self, dim, index, src):
    """The documented preconditions; returns dim as a non-negative axis."""
    if self.ndim == 0:
        raise ValueError("the oracle covers tensors of at least one dimension")
    if not -self.ndim <= dim < self.ndim:
        raise ValueError(f"dim {dim} out of range for a {self.ndim}-D tensor")
    axis = dim % self.ndim
    if not np.issubdtype(index.dtype, np.integer):
        raise ValueError(f"index must hold integers, got dtype {index.dtype}")
    if index.ndim != self.ndim or (src is not None and src.ndim != self.ndim):
        raise ValueError("self, index and src must have the same number of dimensions")
    for d, size in enumerate(index.shape):
        if src is not None and size > src.shape[d]:
            raise ValueError(f"index.size({d}) = {size} > src.size({d}) = {src.shape[d]}")
        if d != axis and size > self.shape[d]:
            raise ValueError(f"index.size({d}) = {size} > self.size({d}) = {self.shape[d]}")
    if index.size and (index.min() < 0 or index.max() >= self.shape[axis]):
        raise ValueError(f"index values must lie in [0, {self.shape[axis]})")
    return axis


def _targets(index, axis):
    """(position p of index, p with p[axis] replaced by index[p]) for every p, in C order."""
    for position in np.ndindex(index.shape):
        target = list(position)
        target[axis] = int(index[position])
        yield position, tuple(target)


def scatter(self, dim, index, src, reduce=None):
    """Tensor.scatter_(dim, index, src, reduce=...) on a copy of self: self[target(p)] = src[p]
    (reduce None), += src[p] ('add') or *= src[p] ('multiply'). A scalar src is the value
    form: a src filled entirely with that value."""
    self, index = np.asarray(self), np.asarray(index)
    tensor_src = isinstance(src, np.ndarray)
    axis = _require_scatter_args(self, dim, index, src if tensor_src else None)
    if reduce not in (None,) + SCATTER_REDUCTIONS:
        raise ValueError(f"reduce must be None or one of {SCATTER_REDUCTIONS}, got {reduce!r}")
    out = self.copy()
    for position, target in _targets(index, axis):
        value = src[position] if tensor_src else src
        if reduce == "add":
            out[target] = out[target] + value
        elif reduce == "multiply":
            out[target] = out[target] * value
        else:
            out[target] = value
    return out


def scatter_reduce(self, dim, index, src, reduce, include_self=True):
    """Tensor.scatter_reduce_ on a copy of self: every position some index value points at
    becomes reduce(its src values, preceded by self's value there if include_self); positions
    no index points at keep self's value."""
    self, index, src = np.asarray(self), np.asarray(index), np.asarray(src)
    axis = _require_scatter_args(self, dim, index, src)
    if reduce not in SCATTER_REDUCE_REDUCTIONS:
        known = tuple(SCATTER_REDUCE_REDUCTIONS)
        raise ValueError(f"reduce must be one of {known}, got {reduce!r}")
    groups = {}
    for position, target in _targets(index, axis):
        groups.setdefault(target, [self[target]] if include_self else []).append(src[position])
    out = self.copy()
    for target, values in groups.items():
        out[target] = SCATTER_REDUCE_REDUCTIONS[reduce](np.array(values, dtype=np.float64))
    return out
