"""The IDX file format of the MNIST databases, written and read with numpy and struct only.

The format, as Y. LeCun, C. Cortes and C. J. C. Burges describe it on the MNIST page
("THE IDX FILE FORMAT", http://yann.lecun.com/exdb/mnist/):

    magic number    4 bytes: 0x00, 0x00, a type code, the number of dimensions
                    type codes: 0x08 unsigned byte, 0x09 signed byte, 0x0B short (2 bytes),
                                0x0C int (4 bytes), 0x0D float (4 bytes), 0x0E double (8 bytes)
    size in dim 0   32-bit integer, MSB first (big-endian)
    ...
    size in dim N-1
    data            the values, stored like a C array (the last index changes fastest),
                    each value MSB first

The MNIST files are train-images-idx3-ubyte (N x 28 x 28 unsigned bytes),
train-labels-idx1-ubyte (N unsigned bytes), and t10k-... for the test split.
torchvision's MNIST and FashionMNIST read exactly these four names (without .gz) from
<root>/<class name>/raw/ when download=False (torchvision 0.20 to 0.29 alike).
No torch here: this is how the suite writes data that torch's loaders must then read.
"""

import struct
from pathlib import Path

import numpy as np

# IDX type code -> numpy dtype, as the format defines it (big-endian for multi-byte values).
TYPE_CODES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
CODE_OF_KIND = {(dtype.kind, dtype.itemsize): code for code, dtype in TYPE_CODES.items()}

# The file names torchvision's MNIST-style loaders read from <root>/<folder>/raw/.
MNIST_RAW_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def write_idx(path, array) -> None:
    """Write `array` (any ndim >= 1; uint8 for MNIST, or another IDX type) as an IDX file."""
    array = np.asarray(array)
    code = CODE_OF_KIND.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise ValueError(f"IDX has no type code for {array.dtype}")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX needs 1 to 255 dimensions, got {array.ndim}")
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    data = np.ascontiguousarray(array, dtype=TYPE_CODES[code]).tobytes()
    Path(path).write_bytes(header + data)


def read_idx(path) -> np.ndarray:
    """Read an IDX file into a numpy array in native byte order."""
    raw = Path(path).read_bytes()
    zero1, zero2, code, ndim = struct.unpack_from(">BBBB", raw, 0)
    if (zero1, zero2) != (0, 0) or code not in TYPE_CODES:
        raise ValueError(f"not an IDX file: magic bytes {raw[:4].hex()}")
    shape = struct.unpack_from(f">{ndim}I", raw, 4)
    dtype = TYPE_CODES[code]
    offset = 4 + 4 * ndim
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - offset != count * dtype.itemsize:
        raise ValueError(f"IDX data holds {len(raw) - offset} bytes, shape {shape} needs "
                         f"{count * dtype.itemsize}")
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def write_mnist_raw(root, folder_name, train_images, train_labels, test_images, test_labels) -> Path:
    """Write the four MNIST IDX files into root/folder_name/raw/ (folder_name "MNIST" or
    "FashionMNIST": the loader's class name) and return that folder. Images are uint8
    arrays (N, H, W), labels uint8 arrays (N,), as in the real files."""
    raw = Path(root) / folder_name / "raw"
    splits = {"train": (train_images, train_labels), "test": (test_images, test_labels)}
    arrays = {}
    for split, (images, labels) in splits.items():
        images, labels = np.asarray(images), np.asarray(labels)
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(f"{split} images must be uint8 (N, H, W), "
                             f"got {images.dtype} {images.shape}")
        if labels.dtype != np.uint8 or labels.shape != images.shape[:1]:
            raise ValueError(f"{split} labels must be uint8 ({len(images)},), "
                             f"got {labels.dtype} {labels.shape}")
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
    raw.mkdir(parents=True, exist_ok=True)
    for key, name in MNIST_RAW_FILES.items():
        write_idx(raw / name, arrays[key])
    return raw
