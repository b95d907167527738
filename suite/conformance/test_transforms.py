"""torchvision's ToTensor, Normalize and Lambda (seed 002: Transform, ToTensor(), Lambda
변형(Transform); Training CNNs: transforms.Compose([ToTensor(), Normalize(...)])).

Documented (torchvision.transforms): ToTensor "Converts a PIL Image or numpy.ndarray
(H x W x C) in the range [0, 255] to a torch.FloatTensor of shape (C x H x W) in the range
[0.0, 1.0] if the PIL Image belongs to one of the modes (L, LA, P, I, F, RGB, YCbCr, RGBA,
CMYK, 1) or if the numpy.ndarray has dtype = np.uint8. In the other cases, tensors are
returned without scaling." Normalize: "output[channel] = (input[channel] - mean[channel]) /
std[channel]", out of place unless inplace=True, for float tensors (..., C, H, W). Lambda
applies the user's function. The seed's Lambda builds a one-hot float target with
torch.zeros(10, dtype=torch.float).scatter_(dim=0, index=torch.tensor(y), value=1).

The seed says more than the documentation: "ToTensor 는 PIL Image나 NumPy ndarray를 FloatTensor로
변환하고 ... [0., 1.]범위로 비례하여 조정" (any ndarray to a FloatTensor in [0, 1]); only uint8
arrays and 8-bit PIL images are scaled. And torchvision does less than its documentation:
PIL modes I and F are not scaled, and 16-bit images lose their values (known upstream bugs,
reference/bugs.py).

Oracles: reference/images.py (numpy, the documented formulas), reference/nn.py one_hot.
Every test takes the `torchvision` fixture: it skips with the reason where torchvision is absent.
"""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference import images as ref
from reference import nn as nn_ref
from suite.testing.models import one_hot_target
from suite.testing.strategies import (
    FLOAT, INTEGER, NUMPY_DTYPE, TORCH_DTYPE, arrays, dtypes, without_shrinking,
)
from suite.testing.tolerances import assert_close_to
from suite.testing.claims import covers

SIDES = st.integers(1, 6)
ANY_CHANNELS = st.sampled_from([None, 1, 2, 3, 4])


@st.composite
def image_shapes(draw, channels=ANY_CHANNELS):
    """(H, W) or (H, W, C): the layouts ToTensor accepts."""
    height, width, c = draw(SIDES), draw(SIDES), draw(channels)
    return (height, width) if c is None else (height, width, c)


@given(data=st.data())
def test_totensor_scales_uint8_arrays(torchvision, data):
    """A uint8 ndarray (H x W x C, or H x W) becomes a float32 (C x H x W) tensor of the
    pixel values divided by 255, in [0.0, 1.0]."""
    array = data.draw(arrays(torch.uint8, image_shapes()), label="array")
    tensor = torchvision.transforms.ToTensor()(array)
    assert_close_to(tensor, ref.to_tensor(array), dtype=torch.float32)
    assert 0.0 <= tensor.min() and tensor.max() <= 1.0


# The 8-bit modes ToTensor's docstring names -> their band count; "1" has one bit per pixel.
EIGHT_BIT_MODES = {"L": 1, "LA": 2, "P": 1, "RGB": 3, "YCbCr": 3, "RGBA": 4, "CMYK": 4, "1": 1}


def pil_image(mode, array):
    """The PIL image of `mode` whose raw band values are `array` (H x W x bands)."""
    from PIL import Image

    height, width = array.shape[:2]
    if mode == "1":
        return Image.fromarray(array[:, :, 0].astype(bool))
    return Image.frombytes(mode, (width, height), np.ascontiguousarray(array).tobytes())


@covers("002-totensor-scales")
@pytest.mark.parametrize("mode", EIGHT_BIT_MODES)
@given(data=st.data())
def test_totensor_scales_8bit_pil_images(torchvision, mode, data):
    """A PIL image of each 8-bit mode the docstring names (L, LA, P, RGB, YCbCr, RGBA, CMYK,
    1) becomes float32 (C x H x W) of its band values / 255, C being the mode's band count;
    mode "1" is 0 or 255 per pixel in 8-bit terms."""
    shape = data.draw(image_shapes(channels=st.just(EIGHT_BIT_MODES[mode])), label="shape")
    values = st.sampled_from((0, 255)) if mode == "1" else None
    array = data.draw(hnp.arrays(np.uint8, shape, elements=values), label="bands")
    tensor = torchvision.transforms.ToTensor()(pil_image(mode, array))
    assert_close_to(tensor, ref.to_tensor(array), dtype=torch.float32)


# 32-bit modes -> the numpy type of their pixels
THIRTY_TWO_BIT_MODES = {"I": np.int32, "F": np.float32}


@without_shrinking()  # a strict xfail on the releases reference/bugs.py names
@pytest.mark.parametrize("mode", THIRTY_TWO_BIT_MODES)
@given(data=st.data())
def test_totensor_scales_32bit_pil_images(torchvision, mode, data):
    """Modes I and F are among the modes the docstring scales: an image of pixel values in
    [0, 255] becomes a float32 (1 x H x W) tensor of the values / 255, in [0.0, 1.0]."""
    from PIL import Image

    shape = data.draw(image_shapes(channels=st.just(None)), label="shape")
    elements = st.integers(0, 255) if mode == "I" else st.floats(0, 255, width=32)
    pixels = data.draw(hnp.arrays(THIRTY_TWO_BIT_MODES[mode], shape, elements=elements),
                       label="pixels")
    image = Image.fromarray(pixels)
    assert image.mode == mode
    expected = ref.to_tensor(pixels.astype(np.float32) / np.float32(255))
    assert_close_to(torchvision.transforms.ToTensor()(image), expected, dtype=torch.float32)


# Pillow's 16-bit modes (not among the docstring's scaled modes) -> their byte order
SIXTEEN_BIT_MODES = {"I;16": "<u2", "I;16L": "<u2", "I;16B": ">u2", "I;16N": "=u2"}


@without_shrinking()  # a strict xfail on the releases reference/bugs.py names
@pytest.mark.parametrize("mode", SIXTEEN_BIT_MODES)
@given(data=st.data())
def test_totensor_keeps_16bit_pil_images_unscaled(torchvision, mode, data):
    """A 16-bit image (I;16, I;16L, I;16B, I;16N) is not among the scaled modes: "In the other
    cases, tensors are returned without scaling", so the (1 x H x W) tensor holds the pixel
    values 0 .. 65535 themselves, in a dtype that represents them."""
    from PIL import Image

    height, width = data.draw(st.tuples(st.integers(2, 6), st.integers(4, 6)), label="shape")
    pixels = data.draw(hnp.arrays(np.uint16, (height, width)), label="pixels")
    raw = pixels.astype(SIXTEEN_BIT_MODES[mode]).tobytes()
    tensor = torchvision.transforms.ToTensor()(Image.frombytes(mode, (width, height), raw))
    assert tuple(tensor.shape) == (1, height, width)
    np.testing.assert_array_equal(tensor.to(torch.float64).numpy(), pixels[np.newaxis],
                                  err_msg=f"ToTensor of a {mode} image changed its values")


@covers("002-totensor-any-ndarray")
@given(data=st.data())
def test_totensor_keeps_other_arrays_unscaled(torchvision, data):
    """An ndarray of any dtype but uint8 keeps its dtype and values: only moved to C x H x W
    ("In the other cases, tensors are returned without scaling"; not a FloatTensor in [0, 1]
    as the seed says of every ndarray)."""
    dtype = data.draw(dtypes(FLOAT, INTEGER[1:]), label="dtype")
    array = data.draw(arrays(dtype, image_shapes()), label="array")
    tensor = torchvision.transforms.ToTensor()(array)
    assert_close_to(tensor, ref.to_tensor(array), dtype=TORCH_DTYPE[array.dtype])


@st.composite
def normalize_cases(draw):
    """(image (C,H,W) or (B,C,H,W), mean, std): one value per channel, or one for all."""
    dtype = draw(st.sampled_from([torch.float32, torch.float64]), label="dtype")
    channels = draw(st.integers(1, 4), label="channels")
    batch = draw(st.sampled_from([(), (2,)]), label="batch")
    shape = batch + (channels, draw(SIDES), draw(SIDES))
    image = draw(hnp.arrays(NUMPY_DTYPE[dtype], shape, elements=st.floats(-2, 2, width=32)),
                 label="image")
    per_channel = draw(st.booleans(), label="per_channel")
    count = channels if per_channel else 1
    mean = draw(st.lists(st.floats(-1, 1), min_size=count, max_size=count), label="mean")
    std = draw(st.lists(st.floats(0.1, 2), min_size=count, max_size=count), label="std")
    return image, mean, std


@given(case=normalize_cases())
def test_normalize_matches_oracle(torchvision, case):
    """Normalize(mean, std) gives (x - mean[c]) / std[c] per channel, for (C, H, W) and batched
    (B, C, H, W) float images, in the image's dtype; the input is left as it was."""
    image, mean, std = case
    tensor = torch.tensor(image)
    normalized = torchvision.transforms.Normalize(mean, std)(tensor)
    assert_close_to(normalized, ref.normalize(image, mean, std), dtype=tensor.dtype)
    np.testing.assert_array_equal(tensor.numpy(), image, err_msg="Normalize changed its input")


def test_normalize_inplace_returns_its_input(torchvision):
    """inplace=True writes the result into the input tensor and returns that tensor."""
    image = np.array([[[0.0, 0.5]], [[1.0, 0.25]]], dtype=np.float32)  # C=2, H=1, W=2
    tensor = torch.tensor(image)
    returned = torchvision.transforms.Normalize([0.5, 0.25], [0.5, 0.25], inplace=True)(tensor)
    assert returned is tensor
    assert_close_to(tensor, ref.normalize(image, [0.5, 0.25], [0.5, 0.25]), dtype=torch.float32)


def test_normalize_rejects_integer_images(torchvision):
    """Normalize takes a float tensor image: a uint8 image (what read_image gives, before
    ToTensor or a dtype conversion) raises TypeError."""
    image = torch.tensor(np.full((1, 2, 2), 200, dtype=np.uint8))
    with pytest.raises(TypeError, match="float"):
        torchvision.transforms.Normalize([0.5], [0.5])(image)


@pytest.mark.parametrize("label", range(10))
def test_tutorial_lambda_one_hot_target(torchvision, label):
    """Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(dim=0,
    index=torch.tensor(y), value=1)) maps the label y to the float32 one-hot vector of y."""
    target_transform = torchvision.transforms.Lambda(one_hot_target)
    target = target_transform(label)
    assert isinstance(target, torch.Tensor), f"Lambda gave {target!r}"
    expected = nn_ref.one_hot(np.array(label), 10).astype(np.float32)
    assert_close_to(target, expected, dtype=torch.float32)
