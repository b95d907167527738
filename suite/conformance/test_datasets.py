"""Datasets (seed 002: 데이터셋 불러오기, 데이터셋을 순회하고 시각화, 파일에서 사용자 정의
데이터셋 만들기, Transform; Training CNNs: torchvision.datasets.MNIST).

Documented: torchvision's MNIST and FashionMNIST read <root>/<class name>/raw/
train-images-idx3-ubyte (and t10k-... when train=False) and the matching label file; with
download=False nothing is fetched. Each sample is (PIL image of mode L, 28 x 28; the label
as an int); transform=ToTensor() makes the image a float32 (1, 28, 28) tensor ("img shape =
(1, 28, 28)"), target_transform changes the label. `classes` names the labels in order:
FashionMNIST's are Zalando's documented T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal,
Shirt, Sneaker, Bag, Ankle boot (the seed's labels_map spells them "T-Shirt", "Ankle Boot").
The seed's CustomImageDataset reads an annotations CSV (file name, label) and the images
with torchvision.io.read_image (uint8, C x H x W); a DataLoader batches it.

Oracles: the IDX files and PNG images the tests write themselves (reference/idx.py, PIL),
compared pixel for pixel; reference/images.py for ToTensor's scaling. Nothing is downloaded.
Every test takes the `torchvision` fixture: it skips with the reason where torchvision is absent.
"""

import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from reference import images as ref
from reference import nn as nn_ref
from suite.testing import data
from suite.testing.models import one_hot_target
from suite.testing.tolerances import assert_close_to
from suite.testing.claims import covers

DOCUMENTED_CLASSES = {
    # torchvision.datasets.MNIST.classes as its source defines them (the MNIST page only says
    # the labels are the digits 0 to 9)
    "MNIST": ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
              "7 - seven", "8 - eight", "9 - nine"],
    # github.com/zalandoresearch/fashion-mnist, "Labels"
    "FashionMNIST": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                     "Sneaker", "Bag", "Ankle boot"],
}
SPLIT_SIZES = {"train": 5, "test": 3}


@pytest.mark.parametrize("split", SPLIT_SIZES)
@pytest.mark.parametrize("name", DOCUMENTED_CLASSES)
def test_mnist_loader_reads_the_written_files(torchvision, name, split):
    """download=False reads the raw files: len is the number of images; sample i is (the PIL
    image of mode L, 28 x 28, with the pixels written, the label written as an int); with
    ToTensor, a float32 (1, 28, 28) tensor of the pixels / 255."""
    from PIL import Image

    dataset_class = getattr(torchvision.datasets, name)
    with tempfile.TemporaryDirectory() as root:
        images, labels = data.write_random_mnist(root, name, SPLIT_SIZES)[split]
        train = split == "train"
        plain = dataset_class(root, train=train, download=False)
        as_tensors = dataset_class(root, train=train, download=False,
                                   transform=torchvision.transforms.ToTensor())
        assert len(plain) == len(as_tensors) == len(images)
        for i, (pixels, label) in enumerate(zip(images, labels)):
            image, target = plain[i]
            assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (28, 28)
            np.testing.assert_array_equal(np.asarray(image), pixels,
                                          err_msg=f"{name} {split} image {i}")
            assert type(target) is int and target == label, f"{name} {split} label {i}: {target!r}"
            tensor, _ = as_tensors[i]
            assert tuple(tensor.shape) == (1, 28, 28)
            assert_close_to(tensor, ref.to_tensor(pixels), dtype=torch.float32)


@covers("002-fashionmnist-classes")
@pytest.mark.parametrize("name", DOCUMENTED_CLASSES)
def test_mnist_classes_are_documented(torchvision, name):
    """`classes` lists the documented class names in label order; class_to_idx inverts it."""
    with tempfile.TemporaryDirectory() as root:
        data.write_random_mnist(root, name, {"train": 1, "test": 1})
        dataset = getattr(torchvision.datasets, name)(root, train=True, download=False)
        assert dataset.classes == DOCUMENTED_CLASSES[name]
        assert dataset.class_to_idx == {c: i for i, c in enumerate(DOCUMENTED_CLASSES[name])}


@covers("002-target-transform-lambda")
def test_tutorial_fashionmnist_pipeline(torchvision):
    """The seed's FashionMNIST(transform=ToTensor(), target_transform=Lambda(one-hot)) in a
    DataLoader(batch_size=4, shuffle=True): batches of float32 (B, 1, 28, 28) images and
    float32 (B, 10) one-hot targets, B = 4, 4, 2 for 10 images; every image once, with the
    one-hot of its own label."""
    with tempfile.TemporaryDirectory() as root:
        splits = data.write_random_mnist(root, "FashionMNIST", {"train": 10, "test": 1})
        images, labels = splits["train"]
        dataset = torchvision.datasets.FashionMNIST(
            root, train=True, download=False, transform=torchvision.transforms.ToTensor(),
            target_transform=torchvision.transforms.Lambda(one_hot_target))
        data_loader = torch.utils.data.DataLoader(
            dataset, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))
        expected_images = np.stack([ref.to_tensor(pixels) for pixels in images])
        seen, sizes = [], []
        for features, targets in data_loader:
            assert features.dtype == torch.float32 and targets.dtype == torch.float32
            assert tuple(features.shape[1:]) == (1, 28, 28) and tuple(targets.shape[1:]) == (10,)
            assert len(features) == len(targets)
            sizes.append(len(features))
            for feature, target in zip(features, targets):
                # which written image this is: the nearest one, then checked to be equal
                distances = np.abs(expected_images - feature.numpy()).reshape(len(images), -1)
                index = int(distances.max(axis=1).argmin())
                assert_close_to(feature, expected_images[index], dtype=torch.float32)
                assert_close_to(target, nn_ref.one_hot(labels[index].astype(np.int64), 10),
                                dtype=torch.float32)
                seen.append(index)
        assert sizes == [4, 4, 2] and len(data_loader) == 3
        assert sorted(seen) == list(range(10)), f"images seen: {sorted(seen)}"


class CustomImageDataset(torch.utils.data.Dataset):
    """The seed's class as written (first listing: pd.read_csv(..., names=['file_name',
    'label'])); as_dict=True is its second __getitem__, which returns {"image", "label"}."""

    def __init__(self, annotations_file, img_dir, transform=None, target_transform=None,
                 as_dict=False):
        import pandas as pd

        self.img_labels = pd.read_csv(annotations_file, names=["file_name", "label"])
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform
        self.as_dict = as_dict

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        import os

        from torchvision.io import read_image

        img_path = os.path.join(self.img_dir, self.img_labels.iloc[idx, 0])
        image = read_image(img_path)
        label = self.img_labels.iloc[idx, 1]
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return {"image": image, "label": label} if self.as_dict else (image, label)


def write_image_folder(folder, count, shape, seed=1):
    """PNG files written with PIL and a labels.csv of (file name, label) rows, no header."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(count, *shape), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count)
    rows = []
    for i, (image, label) in enumerate(zip(pixels, labels)):
        name = f"item{i}.png"
        Image.fromarray(image).save(Path(folder) / name)
        rows.append(f"{name},{label}\n")
    (Path(folder) / "labels.csv").write_text("".join(rows))
    return pixels, labels


# torchvision 0.29 deprecates its image decoders (read_image) in favour of TorchCodec; the
# seed's read_image still works, and that is what is checked here.
@covers("002-custom-image-dataset")
@pytest.mark.filterwarnings("ignore:The image decoding and encoding capabilities:DeprecationWarning")
@pytest.mark.parametrize("as_dict", [False, True], ids=["tuple", "dict"])
@pytest.mark.parametrize("shape", [(6, 9), (6, 9, 3)], ids=["gray", "rgb"])
def test_custom_image_dataset_with_dataloader(torchvision, shape, as_dict):
    """The seed's CustomImageDataset over 7 PNG images in a DataLoader(batch_size=3): batches
    of 3, 3, 1; images uint8 (B, C, H, W) (read_image's layout; C = 1 or 3) with the pixels
    written; labels int64 (B,) from the CSV; a dict sample gives a dict of batches."""
    with tempfile.TemporaryDirectory() as folder:
        pixels, labels = write_image_folder(folder, 7, shape)
        dataset = CustomImageDataset(Path(folder) / "labels.csv", folder, as_dict=as_dict)
        assert len(dataset) == 7
        batches = list(torch.utils.data.DataLoader(dataset, batch_size=3))
    chw = pixels.reshape(7, 6, 9, -1).transpose(0, 3, 1, 2)
    assert [len(labels_of(batch, as_dict)) for batch in batches] == [3, 3, 1]
    for b, batch in enumerate(batches):
        images = batch["image"] if as_dict else batch[0]
        assert_close_to(images, chw[3 * b:3 * b + 3], dtype=torch.uint8)
        assert_close_to(labels_of(batch, as_dict), labels[3 * b:3 * b + 3].astype(np.int64),
                        dtype=torch.int64)


def labels_of(batch, as_dict):
    return batch["label"] if as_dict else batch[1]
