"""numpy oracles of torchvision's ToTensor and Normalize, as their documentation states them.

ToTensor (torchvision.transforms.ToTensor): "Converts a PIL Image or numpy.ndarray (H x W x C)
in the range [0, 255] to a torch.FloatTensor of shape (C x H x W) in the range [0.0, 1.0] ...
if the numpy.ndarray has dtype = np.uint8. In the other cases, tensors are returned without
scaling." A 2-D array (H x W) is one channel (to_tensor: "pic should be 2/3 dimensional").

Normalize (torchvision.transforms.Normalize): "output[channel] = (input[channel] -
mean[channel]) / std[channel]" for a (..., C, H, W) tensor image.

No torch here.
"""

import numpy as np


def to_tensor(array) -> np.ndarray:
    """HWC (or HW) -> CHW; uint8 becomes float32 divided by 255, any other dtype is kept."""
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[:, :, np.newaxis]
    if array.ndim != 3:
        raise ValueError(f"an image is 2- or 3-dimensional, got {array.ndim} dimensions")
    chw = np.transpose(array, (2, 0, 1))
    if array.dtype == np.uint8:
        return chw.astype(np.float32) / np.float32(255)
    return chw.copy()


def normalize(array, mean, std) -> np.ndarray:
    """(x - mean[c]) / std[c] for every channel c of a (..., C, H, W) image, in float64."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim < 3:
        raise ValueError(f"an image is (..., C, H, W), got shape {array.shape}")
    channels = array.shape[-3]
    mean = np.broadcast_to(np.asarray(mean, dtype=np.float64).reshape(-1), (channels,))
    std = np.broadcast_to(np.asarray(std, dtype=np.float64).reshape(-1), (channels,))
    if np.any(std == 0):
        raise ValueError("std must not be zero")
    out = np.empty_like(array)
    for c in range(channels):
        out[..., c, :, :] = (array[..., c, :, :] - mean[c]) / std[c]
    return out
