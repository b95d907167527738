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
PIL modes I and F are not scaled (test_totensor_32bit_pil_modes_are_not_scaled).

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
from suite.testing.strategies import FLOAT, INTEGER, NUMPY_DTYPE, TORCH_DTYPE, arrays, dtypes
from suite.testing.tolerances import assert_close_to
from suite.testing.claims import covers

SIDES = st.integers(1, 6)
# channels -> the mode PIL gives a uint8 array of that layout (None: a 2-D array)
EIGHT_BIT_MODES = {None: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


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


@covers("002-totensor-scales")
@pytest.mark.parametrize("channels, mode", EIGHT_BIT_MODES.items())
@given(data=st.data())
def test_totensor_scales_8bit_pil_images(torchvision, channels, mode, data):
    """A PIL image of mode L, LA, RGB or RGBA becomes float32 (C x H x W) / 255, C being the
    mode's band count (1, 2, 3, 4)."""
    from PIL import Image

    shape = data.draw(image_shapes(channels=st.just(channels)), label="shape")
    array = data.draw(arrays(torch.uint8, shape), label="pixels")
    image = Image.fromarray(array)
    assert image.mode == mode
    tensor = torchvision.transforms.ToTensor()(image)
    assert_close_to(tensor, ref.to_tensor(array), dtype=torch.float32)


@given(data=st.data())
def test_totensor_scales_bilevel_pil_images(torchvision, data):
    """Mode "1" (one bit per pixel, white = 255 in 8-bit terms) is among the scaled modes:
    white becomes 1.0, black 0.0, in a float32 (1 x H x W) tensor."""
    from PIL import Image

    bits = data.draw(arrays(torch.bool, image_shapes(channels=st.just(None))), label="bits")
    image = Image.fromarray(bits)
    assert image.mode == "1"
    eight_bit = np.where(bits, 255, 0).astype(np.uint8)
    tensor = torchvision.transforms.ToTensor()(image)
    assert_close_to(tensor, ref.to_tensor(eight_bit), dtype=torch.float32)


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


# 32-bit PIL modes: the pixels of a test image of each (PIL picks the mode from the dtype)
THIRTY_TWO_BIT_PIXELS = {
    "I": np.array([[0, 255], [1000, -7]], dtype=np.int32),
    "F": np.array([[0.0, 255.0], [1000.5, -7.25]], dtype=np.float32),
}


@pytest.mark.parametrize("mode", THIRTY_TWO_BIT_PIXELS)
def test_totensor_32bit_pil_modes_are_not_scaled(torchvision, mode):
    """Contrary to the ToTensor docstring, which lists I and F among the modes scaled to
    [0.0, 1.0]: torchvision (0.20 through 0.29) returns these images unscaled, as int32 (I)
    and float32 (F) tensors of shape (1 x H x W) holding the pixel values. This pins what holds."""
    from PIL import Image

    pixels = THIRTY_TWO_BIT_PIXELS[mode]
    image = Image.fromarray(pixels)
    assert image.mode == mode
    assert_close_to(torchvision.transforms.ToTensor()(image), ref.to_tensor(pixels),
                    dtype=TORCH_DTYPE[pixels.dtype])


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
