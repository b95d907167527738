"""Self-tests for the data oracles (reference/idx.py, reference/images.py) on hand-worked cases.

Every expected value is written out literally, with the arithmetic in a comment; none is
computed by an oracle. No torch here: the oracles must stand on their own.
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from reference import idx
from reference import images as ref

# --- IDX ------------------------------------------------------------------------------------

def test_write_idx_bytes_of_a_uint8_matrix(tmp_path):
    path = tmp_path / "m"
    idx.write_idx(path, np.array([[1, 2, 3], [4, 5, 255]], dtype=np.uint8))
    assert path.read_bytes() == bytes([
        0, 0, 0x08, 2,          # magic: two zero bytes, type 0x08 (unsigned byte), 2 dimensions
        0, 0, 0, 2,             # dim 0 = 2, big-endian int32
        0, 0, 0, 3,             # dim 1 = 3
        1, 2, 3, 4, 5, 255,     # row-major data
    ])


def test_write_idx_bytes_of_big_endian_values(tmp_path):
    path = tmp_path / "v"
    idx.write_idx(path, np.array([258, -1], dtype=np.int16))  # 258 = 0x0102; -1 = 0xFFFF
    assert path.read_bytes() == bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFF])
    idx.write_idx(path, np.array([1.0], dtype=np.float32))  # 1.0f = 0x3F800000
    assert path.read_bytes() == bytes([0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0x80, 0x00, 0x00])


def test_read_idx_of_hand_written_bytes(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 1, 0x2C]) + bytes(range(256)) * 1 + bytes(44))
    labels = idx.read_idx(path)  # dim 0 = 0x0000012C = 300: 256 + 44 values
    assert labels.dtype == np.uint8 and labels.shape == (300,)
    assert labels[0] == 0 and labels[255] == 255 and labels[256] == 0
    path.write_bytes(bytes([0, 0, 0x0C, 1, 0, 0, 0, 1, 0x00, 0x01, 0x00, 0x00]))  # 0x00010000
    assert_array_equal(idx.read_idx(path), np.array([65536], dtype=np.int32))


@pytest.mark.parametrize("array", [
    np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
    np.array([-128, 0, 127], dtype=np.int8),
    np.array([[1.5, -2.25]], dtype=np.float64),
    np.zeros((0, 28, 28), dtype=np.uint8),
])
def test_idx_round_trip(tmp_path, array):
    idx.write_idx(tmp_path / "a", array)
    back = idx.read_idx(tmp_path / "a")
    assert back.dtype == array.dtype and back.shape == array.shape
    assert_array_equal(back, array)


def test_idx_rejects_what_the_format_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="no type code"):
        idx.write_idx(tmp_path / "a", np.zeros(2, dtype=np.uint16))
    with pytest.raises(ValueError, match="dimensions"):
        idx.write_idx(tmp_path / "a", np.uint8(3))
    (tmp_path / "b").write_bytes(bytes([1, 0, 8, 1, 0, 0, 0, 1, 7]))
    with pytest.raises(ValueError, match="not an IDX file"):
        idx.read_idx(tmp_path / "b")
    (tmp_path / "c").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7]))  # says 2 values, holds 1
    with pytest.raises(ValueError, match="holds 1 bytes"):
        idx.read_idx(tmp_path / "c")


def test_write_mnist_raw_names_the_four_files(tmp_path):
    images, labels = np.zeros((2, 28, 28), np.uint8), np.array([3, 9], np.uint8)
    raw = idx.write_mnist_raw(tmp_path, "FashionMNIST", images, labels, images[:1], labels[:1])
    assert raw == tmp_path / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == [
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    ]
    # 16-byte header (magic + 3 sizes) + 2 * 784 pixels; 8-byte header + 2 labels
    assert (raw / "train-images-idx3-ubyte").stat().st_size == 16 + 1568
    assert (raw / "train-labels-idx1-ubyte").read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 2, 3, 9])
    with pytest.raises(ValueError, match="labels"):
        idx.write_mnist_raw(tmp_path, "MNIST", images, labels[:1], images, labels)
    with pytest.raises(ValueError, match="images"):
        idx.write_mnist_raw(tmp_path, "MNIST", images.astype(np.int8), labels, images, labels)


# --- ToTensor and Normalize ------------------------------------------------------------------

def test_to_tensor_scales_uint8_and_moves_channels_first():
    hwc = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)  # H=1, W=2, C=2
    out = ref.to_tensor(hwc)
    assert out.dtype == np.float32 and out.shape == (2, 1, 2)
    # channel 0: pixels 0, 51 -> 0, 0.2; channel 1: 255, 102 -> 1, 0.4
    assert_array_equal(out, np.array([[[0.0, 0.2]], [[1.0, 0.4]]], dtype=np.float32))


def test_to_tensor_of_a_2d_array_is_one_channel():
    out = ref.to_tensor(np.array([[255, 0], [0, 255]], dtype=np.uint8))
    assert_array_equal(out, np.array([[[1.0, 0.0], [0.0, 1.0]]], dtype=np.float32))


def test_to_tensor_keeps_other_dtypes_unscaled():
    out = ref.to_tensor(np.array([[[2.5, -1.0]]], dtype=np.float64))  # H=1, W=1, C=2
    assert out.dtype == np.float64
    assert_array_equal(out, np.array([[[2.5]], [[-1.0]]]))
    assert ref.to_tensor(np.array([[300]], dtype=np.int16)).tolist() == [[[300]]]
    with pytest.raises(ValueError):
        ref.to_tensor(np.zeros(3, dtype=np.uint8))


def test_normalize_per_channel():
    image = np.array([[[1.0, 3.0]], [[0.5, 0.0]]])  # C=2, H=1, W=2
    out = ref.normalize(image, mean=[1.0, 0.5], std=[2.0, 0.25])
    # channel 0: (1-1)/2 = 0, (3-1)/2 = 1; channel 1: (0.5-0.5)/0.25 = 0, (0-0.5)/0.25 = -2
    assert_array_equal(out, np.array([[[0.0, 1.0]], [[0.0, -2.0]]]))


def test_normalize_of_a_batch_and_a_single_mean():
    batch = np.full((2, 3, 1, 1), 0.5)
    # every channel: (0.5 - 0.1307) / 0.3081 = 0.3693 / 0.3081 = 1.19863680...
    out = ref.normalize(batch, mean=[0.1307], std=[0.3081])
    np.testing.assert_allclose(out, np.full((2, 3, 1, 1), 1.1986368062317430), rtol=1e-15)


def test_normalize_rejects_zero_std_and_flat_input():
    with pytest.raises(ValueError, match="zero"):
        ref.normalize(np.zeros((1, 1, 1)), [0.0], [0.0])
    with pytest.raises(ValueError):
        ref.normalize(np.zeros((2, 2)), [0.0], [1.0])

