"""Deliberately broken torches (and torchvisions) for the data-pipeline tests (see suite/breakages/__init__.py):
DataLoader batching, shuffling, workers and collation; ToTensor, Normalize, Lambda; the
MNIST loaders and read_image; and the data claims of seed 002.

Every patch acts in the main process (samplers, collation, the multi-process iterator's
bookkeeping, torchvision functions), so it holds whatever the workers' start method.
The torchvision breakages skip, with the reason, where torchvision is absent.
"""

from collections.abc import Mapping

import numpy as np
import torch
import torch.utils.data._utils.collate as collate_module
import torch.utils.data.dataloader as dataloader_module

from suite.breakages import Breakage, wrap


# --- DataLoader ------------------------------------------------------------------------------

def batch_sampler_with_drop_last(value):
    def patch(mp):
        base = torch.utils.data.BatchSampler

        class Broken(base):
            def __init__(self, sampler, batch_size, drop_last):
                super().__init__(sampler, batch_size, value)

        mp.setattr(dataloader_module, "BatchSampler", Broken)

    return patch


def random_sampler_yielding(reorder):
    """RandomSampler whose epoch is reorder(the permutation the real one draws)."""

    def patch(mp):
        base = torch.utils.data.RandomSampler

        class Broken(base):
            def __iter__(self):
                return iter(reorder(list(base.__iter__(self))))

        mp.setattr(dataloader_module, "RandomSampler", Broken)

    return patch


def repeat_first_sample(order):
    return order[:-1] + order[:1] if len(order) > 1 else order


def random_sampler_reseeds_every_epoch(mp):
    base = torch.utils.data.RandomSampler

    class Broken(base):
        def __iter__(self):
            generator = torch.Generator().manual_seed(0)
            return iter(torch.randperm(len(self.data_source), generator=generator).tolist())

    mp.setattr(dataloader_module, "RandomSampler", Broken)


def random_sampler_ignores_generator(mp):
    base = torch.utils.data.RandomSampler

    class Broken(base):
        def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
            super().__init__(data_source, replacement, num_samples, generator=None)

    mp.setattr(dataloader_module, "RandomSampler", Broken)


def workers_run_in_process(mp):
    """num_workers is ignored: every DataLoader loads in the main process."""
    mp.setattr(torch.utils.data.DataLoader, "_get_iterator",
               lambda self: dataloader_module._SingleProcessDataLoaderIter(self))


def worker_batches_swapped(mp):
    """The multi-process iterator hands out each pair of batches in reverse order."""

    def make(next_data):
        def broken(self):
            held = self.__dict__.pop("_held_batch", None)
            if held is not None:
                return held
            first = next_data(self)
            try:
                second = next_data(self)
            except StopIteration:
                return first
            self._held_batch = first
            return second

        return broken

    wrap(mp, dataloader_module._MultiProcessingDataLoaderIter, "_next_data", make)


def collate_as_float32(python_type):
    def patch(mp):
        mp.setitem(collate_module.default_collate_fn_map, python_type,
                   lambda batch, *, collate_fn_map=None: torch.tensor(batch, dtype=torch.float32))

    return patch


def collate_arrays_as_float32(mp):
    mp.setitem(collate_module.default_collate_fn_map, np.ndarray,
               lambda batch, *, collate_fn_map=None: torch.stack(
                   [torch.as_tensor(array).float() for array in batch]))


def collate_numpy_scalars_as_uint8(mp):
    numpy_scalars = next(key for key in collate_module.default_collate_fn_map
                         if isinstance(key, tuple) and np.bool_ in key)
    mp.setitem(collate_module.default_collate_fn_map, numpy_scalars,
               lambda batch, *, collate_fn_map=None: torch.tensor([int(x) for x in batch],
                                                                  dtype=torch.uint8))


def mappings_collate_to_lists(mp):
    def make(collate):
        def broken(batch, *, collate_fn_map=None):
            if isinstance(batch[0], Mapping):
                return [collate_module.collate([sample[key] for sample in batch],
                                               collate_fn_map=collate_fn_map)
                        for key in batch[0]]
            return collate(batch, collate_fn_map=collate_fn_map)

        return broken

    wrap(mp, collate_module, "collate", make)


TORCH_BREAKAGES = [
    Breakage("dataloader-always-drops-last", batch_sampler_with_drop_last(True), [
        "suite/conformance/test_dataloader.py::test_batches_cover_the_dataset_in_order",
        "suite/conformance/test_dataloader.py::test_shuffle_yields_each_sample_once_per_epoch",
        "suite/conformance/test_dataloader.py::test_default_collate_matches_numpy_stacking",
        "suite/conformance/test_claims.py::test_claim[002-train-loop-progress]",
    ]),
    Breakage("dataloader-ignores-drop_last", batch_sampler_with_drop_last(False), [
        "suite/conformance/test_dataloader.py::test_drop_last_drops_only_the_partial_batch",
    ]),
    Breakage("shuffle-keeps-the-order", random_sampler_yielding(sorted), [
        "suite/conformance/test_dataloader.py::test_shuffle_reshuffles_every_epoch",
    ]),
    Breakage("shuffle-repeats-a-sample", random_sampler_yielding(repeat_first_sample), [
        "suite/conformance/test_dataloader.py::test_shuffle_yields_each_sample_once_per_epoch",
        "suite/conformance/test_dataloader.py::test_seeded_generator_reproduces_the_order",
        "suite/conformance/test_dataloader.py::test_workers_yield_the_same_batches[9-4-True]",
    ]),
    Breakage("shuffle-same-order-every-epoch", random_sampler_reseeds_every_epoch, [
        "suite/conformance/test_dataloader.py::test_shuffle_reshuffles_every_epoch",
    ]),
    Breakage("shuffle-ignores-generator", random_sampler_ignores_generator, [
        "suite/conformance/test_dataloader.py::test_seeded_generator_reproduces_the_order",
    ]),
    Breakage("workers-run-in-process", workers_run_in_process, [
        "suite/conformance/test_dataloader.py::test_workers_are_subprocesses",
    ]),
    Breakage("workers-swap-batches", worker_batches_swapped, [
        "suite/conformance/test_dataloader.py::test_workers_yield_the_same_batches",
    ]),
    # Python bools take the int path of default_collate: both become float32 here
    Breakage("collate-ints-as-float32", collate_as_float32(int), [
        "suite/conformance/test_dataloader.py::test_default_collate_matches_numpy_stacking",
        "suite/conformance/test_dataloader.py::test_tutorial_sample_forms_collate_to_image_and_label_batches[tuple-3-dtype0]",
        "suite/conformance/test_dataloader.py::test_tutorial_sample_forms_collate_to_image_and_label_batches[dict-3-dtype0]",
        "suite/conformance/test_dataloader.py::test_tutorial_sample_forms_collate_to_image_and_label_batches[tuple-True-dtype2]",
        "suite/conformance/test_dataloader.py::test_tutorial_sample_forms_collate_to_image_and_label_batches[dict-True-dtype2]",
    ]),
    Breakage("collate-floats-as-float32", collate_as_float32(float), [
        "suite/conformance/test_dataloader.py::test_default_collate_matches_numpy_stacking",
        "suite/conformance/test_dataloader.py::test_tutorial_sample_forms_collate_to_image_and_label_batches[tuple-0.5-dtype1]",
        "suite/conformance/test_dataloader.py::test_tutorial_sample_forms_collate_to_image_and_label_batches[dict-0.5-dtype1]",
    ]),
    Breakage("collate-arrays-as-float32", collate_arrays_as_float32, [
        "suite/conformance/test_dataloader.py::test_default_collate_matches_numpy_stacking",
    ]),
    # every dtype but uint8 itself
    Breakage("collate-numpy-scalars-as-uint8", collate_numpy_scalars_as_uint8, [
        "suite/conformance/test_dataloader.py::test_numpy_scalars_collate[bool]",
        "suite/conformance/test_dataloader.py::test_numpy_scalars_collate[int8]",
        "suite/conformance/test_dataloader.py::test_numpy_scalars_collate[int16]",
        "suite/conformance/test_dataloader.py::test_numpy_scalars_collate[int32]",
        "suite/conformance/test_dataloader.py::test_numpy_scalars_collate[int64]",
        "suite/conformance/test_dataloader.py::test_numpy_scalars_collate[float16]",
        "suite/conformance/test_dataloader.py::test_numpy_scalars_collate[float32]",
        "suite/conformance/test_dataloader.py::test_numpy_scalars_collate[float64]",
    ]),
    Breakage("collate-mappings-to-lists", mappings_collate_to_lists, [
        "suite/conformance/test_dataloader.py::test_default_collate_matches_numpy_stacking",
        "suite/conformance/test_dataloader.py::test_tutorial_sample_forms_collate_to_image_and_label_batches[dict-3-dtype0]",
        "suite/conformance/test_dataloader.py::test_tutorial_sample_forms_collate_to_image_and_label_batches[dict-0.5-dtype1]",
        "suite/conformance/test_dataloader.py::test_tutorial_sample_forms_collate_to_image_and_label_batches[dict-True-dtype2]",
    ]),
]


# --- torchvision: ToTensor, Normalize, Lambda, MNIST loaders, read_image ----------------------

def eight_bit(pic):
    if isinstance(pic, np.ndarray):
        return pic.dtype == np.uint8
    return pic.mode not in ("I", "F") and not pic.mode.startswith("I;")


def to_tensor_changed(change):
    """torchvision.transforms.functional.to_tensor, its result passed through change(pic, t)."""

    def patch(mp):
        import torchvision.transforms.functional as TF

        wrap(mp, TF, "to_tensor", lambda to_tensor: lambda pic: change(pic, to_tensor(pic)))

    return patch


def normalize_called_with(change):
    """torchvision.transforms.functional.normalize, its arguments passed through change."""

    def patch(mp):
        import torchvision.transforms.functional as TF

        def make(normalize):
            def broken(tensor, mean, std, inplace=False):
                return normalize(*change(tensor, list(mean), list(std), inplace))

            return broken

        wrap(mp, TF, "normalize", make)

    return patch


def lambda_returns_its_input(mp):
    import torchvision

    mp.setattr(torchvision.transforms.Lambda, "__call__", lambda self, img: img)


def mnist_reader_changed(reader, change):
    def patch(mp):
        from torchvision.datasets import mnist

        wrap(mp, mnist, reader, lambda read: lambda path: change(read(path)))

    return patch


def mnist_always_reads_train_files(mp):
    import torchvision

    def make(load_data):
        def broken(self):
            train, self.train = self.train, True
            try:
                return load_data(self)
            finally:
                self.train = train

        return broken

    wrap(mp, torchvision.datasets.MNIST, "_load_data", make)


def classes_renamed(mp):
    import torchvision

    labels_map = ["T-Shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                  "Bag", "Ankle Boot"]  # the seed's spelling
    mp.setattr(torchvision.datasets.FashionMNIST, "classes", labels_map)
    mp.setattr(torchvision.datasets.MNIST, "classes", [str(digit) for digit in range(10)])


def read_image_swaps_height_and_width(mp):
    import torchvision

    wrap(mp, torchvision.io, "read_image",
         lambda read_image: lambda *a, **k: read_image(*a, **k).transpose(-1, -2))


def scaled_by_255(pic, t):
    return t * 255 if eight_bit(pic) else t


def channels_last_memory_read_as_chw(pic, t):
    return t.permute(1, 2, 0).reshape(t.shape)


def single_channel_dropped(pic, t):
    return t[0] if t.shape[0] == 1 else t


def every_input_scaled(pic, t):
    """The seed's belief: every ndarray (and PIL image) becomes a FloatTensor in [0, 1]."""
    return t if eight_bit(pic) else t.to(torch.float32) / 255


TORCHVISION_BREAKAGES = [
    Breakage("to_tensor-forgets-to-scale", to_tensor_changed(scaled_by_255), [
        "suite/conformance/test_transforms.py::test_totensor_scales_uint8_arrays",
        "suite/conformance/test_transforms.py::test_totensor_scales_8bit_pil_images",
        "suite/conformance/test_datasets.py::test_mnist_loader_reads_the_written_files",
        "suite/conformance/test_datasets.py::test_tutorial_fashionmnist_pipeline",
        "suite/conformance/test_claims.py::test_claim[002-normalize-intended]",
    ]),
    Breakage("to_tensor-reshapes-instead-of-transposing", to_tensor_changed(channels_last_memory_read_as_chw), [
        "suite/conformance/test_transforms.py::test_totensor_scales_uint8_arrays",
        "suite/conformance/test_transforms.py::test_totensor_scales_8bit_pil_images[LA]",
        "suite/conformance/test_transforms.py::test_totensor_scales_8bit_pil_images[RGB]",
        "suite/conformance/test_transforms.py::test_totensor_scales_8bit_pil_images[YCbCr]",
        "suite/conformance/test_transforms.py::test_totensor_scales_8bit_pil_images[RGBA]",
        "suite/conformance/test_transforms.py::test_totensor_scales_8bit_pil_images[CMYK]",
        "suite/conformance/test_transforms.py::test_totensor_keeps_other_arrays_unscaled",
    ]),
    Breakage("to_tensor-drops-a-single-channel", to_tensor_changed(single_channel_dropped), [
        "suite/conformance/test_transforms.py::test_totensor_scales_uint8_arrays",
        "suite/conformance/test_transforms.py::test_totensor_scales_8bit_pil_images[L]",
        "suite/conformance/test_transforms.py::test_totensor_scales_8bit_pil_images[P]",
        "suite/conformance/test_transforms.py::test_totensor_scales_8bit_pil_images[1]",
        "suite/conformance/test_transforms.py::test_totensor_scales_32bit_pil_images",
        "suite/conformance/test_transforms.py::test_totensor_keeps_16bit_pil_images_unscaled",
        "suite/conformance/test_datasets.py::test_mnist_loader_reads_the_written_files",
        "suite/conformance/test_datasets.py::test_tutorial_fashionmnist_pipeline",
        "suite/conformance/test_claims.py::test_claim[002-fashionmnist-batch-shapes]",
        "suite/conformance/test_claims.py::test_claim[002-fashionmnist-image-shape]",
    ]),
    Breakage("to_tensor-scales-every-input", to_tensor_changed(every_input_scaled), [
        "suite/conformance/test_transforms.py::test_totensor_keeps_other_arrays_unscaled",
        "suite/conformance/test_transforms.py::test_totensor_keeps_16bit_pil_images_unscaled",
    ]),
    Breakage("normalize-divides-by-variance", normalize_called_with(
        lambda t, mean, std, inplace: (t, mean, [s * s for s in std], inplace)), [
        "suite/conformance/test_transforms.py::test_normalize_matches_oracle",
        "suite/conformance/test_transforms.py::test_normalize_inplace_returns_its_input",
        "suite/conformance/test_claims.py::test_claim[002-normalize-intended]",
    ]),
    Breakage("normalize-uses-the-first-channel-mean", normalize_called_with(
        lambda t, mean, std, inplace: (t, mean[:1] * len(mean), std, inplace)), [
        "suite/conformance/test_transforms.py::test_normalize_matches_oracle",
        "suite/conformance/test_transforms.py::test_normalize_inplace_returns_its_input",
    ]),
    Breakage("normalize-mutates-its-input", normalize_called_with(
        lambda t, mean, std, inplace: (t, mean, std, True)), [
        "suite/conformance/test_transforms.py::test_normalize_matches_oracle",
    ]),
    Breakage("normalize-casts-integer-images", normalize_called_with(
        lambda t, mean, std, inplace: (t if t.is_floating_point() else t.float(),
                                       mean, std, inplace)), [
        "suite/conformance/test_transforms.py::test_normalize_rejects_integer_images",
    ]),
    Breakage("lambda-returns-its-input", lambda_returns_its_input, [
        "suite/conformance/test_transforms.py::test_tutorial_lambda_one_hot_target",
        "suite/conformance/test_datasets.py::test_tutorial_fashionmnist_pipeline",
    ]),
    Breakage("mnist-images-transposed", mnist_reader_changed("read_image_file", lambda x: x.transpose(1, 2)), [
        "suite/conformance/test_datasets.py::test_mnist_loader_reads_the_written_files",
        "suite/conformance/test_datasets.py::test_tutorial_fashionmnist_pipeline",
    ]),
    Breakage("mnist-labels-shifted", mnist_reader_changed("read_label_file", lambda y: (y + 1) % 10), [
        "suite/conformance/test_datasets.py::test_mnist_loader_reads_the_written_files",
        "suite/conformance/test_datasets.py::test_tutorial_fashionmnist_pipeline",
    ]),
    Breakage("mnist-always-reads-train-files", mnist_always_reads_train_files, [
        "suite/conformance/test_datasets.py::test_mnist_loader_reads_the_written_files[MNIST-test]",
        "suite/conformance/test_datasets.py::test_mnist_loader_reads_the_written_files[FashionMNIST-test]",
    ]),
    Breakage("classes-renamed", classes_renamed, [
        "suite/conformance/test_datasets.py::test_mnist_classes_are_documented",
    ]),
    Breakage("read_image-swaps-height-and-width", read_image_swaps_height_and_width, [
        "suite/conformance/test_datasets.py::test_custom_image_dataset_with_dataloader",
    ]),
]

BREAKAGES = TORCH_BREAKAGES + TORCHVISION_BREAKAGES
