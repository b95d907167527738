"""Per-dtype tolerances, and the one comparison every oracle check uses.

The table is the default of torch.testing.assert_close as its documentation gives it.
Integer and bool results must be exact. The comparison itself is numpy's
(|actual - expected| <= atol + rtol * |expected|, the same rule assert_close uses), so
no torch code judges torch.
"""

import numpy as np
import torch

# dtype: (rtol, atol), from the torch.testing.assert_close documentation.
TOLERANCES = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
    torch.complex32: (1e-3, 1e-5),
    torch.complex64: (1.3e-6, 1e-5),
    torch.complex128: (1e-7, 1e-7),
}
EXACT = (0.0, 0.0)


def tolerance(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) for results of this dtype; exact for integers and bool."""
    return TOLERANCES.get(dtype, EXACT)


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A host copy for comparison; bfloat16 (unknown to numpy) widens exactly to float32."""
    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.float()
    return tensor.numpy().copy()


def assert_close_to(actual: torch.Tensor, expected, *, dtype: torch.dtype | None = None) -> None:
    """Check a torch result against an oracle's numpy value: shape, dtype, then values."""
    dtype = dtype or actual.dtype
    assert actual.dtype == dtype, f"dtype {actual.dtype}, expected {dtype}"
    expected = np.asarray(expected)
    assert tuple(actual.shape) == expected.shape, (
        f"shape {tuple(actual.shape)}, expected {expected.shape}"
    )
    rtol, atol = tolerance(dtype)
    if (rtol, atol) == EXACT:
        np.testing.assert_array_equal(
            to_numpy(actual), expected, err_msg=f"{dtype} results must be exact"
        )
        return
    np.testing.assert_allclose(
        to_numpy(actual), expected, rtol=rtol, atol=atol, equal_nan=True,
        err_msg=f"values differ beyond the {dtype} tolerance (rtol={rtol}, atol={atol})",
    )
