"""The documented-claims catalog (reference/claims.py) as tests: one test per claim.

A Measured claim is measured here and compared with its `expected` value; where the
tutorial is wrong, `expected` is what really holds and the catalog keeps the tutorial's
value beside it. A Covered claim is checked by the conformance test marked @covers(its id)
(suite/selftest/test_catalog.py checks the catalog itself).
"""

import tempfile
from math import prod

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from reference import claims as catalog
from reference import nn as oracle
from suite.testing import data, models, versions
from suite import environment
from suite.testing.tolerances import assert_close_to


class NeuralNetworkAsWritten(models.NeuralNetwork):
    """Seed 002's first listing, whose forward calls self.leaner_relu_stack."""

    def forward(self, x):
        return self.leaner_relu_stack(self.flatten(x))


def define_model_on_lowercase_module():
    class MyModel(nn.module):  # noqa: F841 -- the seed's spelling
        pass


SUBJECTS = {
    "SingleConvModel": lambda: models.SingleConvModel(1, 1, 3),
    "MyModel": models.MyModel,
    "NeuralNetwork": models.NeuralNetwork,
    "NeuralNetwork as written": NeuralNetworkAsWritten,
    "MyNetwork(num_class=2)": lambda: models.MyNetwork(num_class=2),
    "MyLinearModel(3, 2)": lambda: models.MyLinearModel(3, 2),
    "ConvBnConv": models.ConvBnConv,
    "Flatten": lambda: nn.Flatten(),
    "Linear(784, 20)": lambda: nn.Linear(28 * 28, 20),
    "Linear(20, 30)": lambda: nn.Linear(20, 30),
    "Conv2d(1, 6, 3, padding=1)": lambda: nn.Conv2d(in_channels=1, out_channels=6, kernel_size=(3, 3),
                                                    stride=1, padding=1),
    "F.conv2d with 6 3x3 filters, padding 1": lambda: (
        lambda images: F.conv2d(images, torch.rand(6, 1, 3, 3), stride=1, padding=1)),
    "nn.module": define_model_on_lowercase_module,
    "Linear(in_feature=...)": lambda: nn.Linear(in_feature=28 * 28, out_feature=20),
    "Conv2d(out_channel=...)": lambda: nn.Conv2d(in_channels=1, out_channel=6, kernel_size=(3, 3),
                                                 stride=1, padding=1),
    "alexnet": lambda: models.meta_torchvision_model("alexnet"),
    "vgg16": lambda: models.meta_torchvision_model("vgg16"),
    "mobilenet_v2": lambda: models.meta_torchvision_model("mobilenet_v2"),
}


def build(claim):
    return SUBJECTS[claim.subject]()


def outcome_of(call):
    """The value of call(), or the name of the exception it raises."""
    try:
        return call()
    except Exception as error:
        return type(error).__name__


def state_dict_shapes(claim):
    return {name: list(t.shape) for name, t in build(claim).state_dict().items()}


def parameter_shapes(claim):
    return {name: list(p.shape) for name, p in build(claim).named_parameters()}


def parameter_values(claim):
    parameters = dict(build(claim).named_parameters())
    return {name: parameters[name].tolist() for name in claim.expected}


def as_printed_by_this_torch(line):
    if versions.BATCHNORM_REPR_BIAS.applies():
        return line.replace("affine=True, track_running_stats", "affine=True, bias=True, track_running_stats")
    return line


def printout_lines(text):
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def prints_as(claim):
    """print(model) is the tutorial's printout line for line (after the documented format
    changes of later releases); where the printout elides lines with "...", any lines may
    stand there. True, or the first tutorial line that is not where it should be."""
    printed = printout_lines(str(build(claim)))
    tutorial = [as_printed_by_this_torch(line)
                for line in printout_lines(catalog.printed(claim.args["printout"]))]
    position, gap_allowed = 0, False
    for line in tutorial:
        if line.strip() == "...":
            gap_allowed = True
            continue
        if gap_allowed and line in printed[position:]:
            position = printed.index(line, position)
        elif position >= len(printed) or printed[position] != line:
            return f"expected {line!r} at line {position + 1}"
        position, gap_allowed = position + 1, False
    return True if position == len(printed) else f"extra lines from {printed[position]!r}"


def is_pretrained(claim):
    """Pretrained weights are the same whatever the seed; random initialisation is not."""
    import torchvision

    weights = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        weights.append(torchvision.models.mobilenetv2.MobileNetV2().features[0][0].weight)
    return torch.equal(*weights)


def raises(claim):
    result = outcome_of(lambda: build(claim))
    return result if isinstance(result, str) else "no error"


def output_shape(claim):
    model = build(claim)
    result = outcome_of(lambda: model(torch.rand(claim.args["input"])))
    return result if isinstance(result, str) else list(result.shape)


def yields_parameterless_modules(claim):
    return any(not list(module.parameters(recurse=False)) for module in build(claim).modules())


def ones_like_of_data(claim):
    t = torch.ones_like(torch.tensor([[1, 2], [3, 4]]))
    return {"values": t.tolist(), "dtype": str(t.dtype)}


def dataloader_batch_shapes(claim):
    from torch.utils.data import DataLoader, TensorDataset

    size = claim.args["dataset_size"]
    dataset = TensorDataset(torch.rand(size, 1, 28, 28), torch.randint(0, 10, (size,)))
    features, labels = next(iter(DataLoader(dataset, batch_size=claim.args["batch_size"], shuffle=True)))
    return {"features": list(features.shape), "labels": list(labels.shape)}


def fashionmnist_shapes(claim):
    """The seed's FashionMNIST(transform=ToTensor()): one sample, and the first batch of
    DataLoader(batch_size=64, shuffle=True); the values the claim names."""
    import torchvision
    from torch.utils.data import DataLoader

    with tempfile.TemporaryDirectory() as root:
        data.write_random_mnist(root, "FashionMNIST", {"train": claim.args["train_size"], "test": 1})
        training_data = torchvision.datasets.FashionMNIST(
            root, train=True, download=False, transform=torchvision.transforms.ToTensor())
        sample_idx = torch.randint(len(training_data), size=(1,)).item()
        img, label = training_data[sample_idx]
        loader = DataLoader(training_data, batch_size=claim.args["batch_size"], shuffle=True)
        features, labels = next(iter(loader))
    measured = {"img": list(img.shape), "squeezed": list(img.squeeze().shape),
                "label_type": type(label).__name__, "features": list(features.shape),
                "labels": list(labels.shape)}
    return {key: measured[key] for key in claim.expected}


def dataloader_progress(claim):
    """len(dataloader.dataset), len(dataloader), and train_loop's printed `current`
    (batch * len(X) every `every` batches), read from the batch sampler: indices only."""
    from torch.utils.data import DataLoader

    loader = DataLoader(range(claim.args["dataset_size"]), batch_size=claim.args["batch_size"])
    batches = list(loader.batch_sampler)
    printed = [number * len(batch) for number, batch in enumerate(batches)
               if number % claim.args["every"] == 0]
    return {"size": len(loader.dataset), "batches": len(loader), "iterated": len(batches),
            "printed": printed}


def prediction_shape(claim):
    logits = build(claim)(torch.rand(claim.args["input"]))
    probabilities = nn.Softmax(dim=1)(logits)
    assert_close_to(probabilities.sum(dim=1), np.ones(len(logits)), dtype=torch.float32)
    return list(probabilities.argmax(dim=1).shape)


def pool_of_printed_image(claim):
    image = torch.tensor(catalog.PRINTED_IMAGE).reshape(1, 1, 6, 6)
    pool = claim.args["pool"]
    module = {"max_pool2d": nn.MaxPool2d, "avg_pool2d": nn.AvgPool2d}[pool](2)
    functional = getattr(F, pool)(image, 2)
    assert torch.equal(module(image), functional), "nn module and F function disagree"
    return functional.reshape(3, 3).tolist()


def normalize_mnist_image(claim):
    from torchvision import transforms

    image = np.random.default_rng(0).integers(0, 256, size=(28, 28, 1), dtype=np.uint8)
    x = transforms.ToTensor()(image)
    normalized = outcome_of(lambda: transforms.Normalize(claim.args["mean"], claim.args["std"])(x))
    if isinstance(normalized, str):
        return normalized
    (mean,), (std,) = claim.args["mean"], claim.args["std"]
    assert_close_to(normalized, (image.transpose(2, 0, 1) / 255.0 - mean) / std, dtype=torch.float32)
    return "(x-m)/s"


def leaf_layers(model, x):
    """(layer type, output shape, parameters) for every leaf module call, in call order:
    what torchsummary prints, taken with forward hooks."""
    calls = []

    def record(module, inputs, output):
        count = sum(p.numel() for p in module.parameters())
        calls.append((type(module).__name__, list(output.shape), count))

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(record) for m in leaves]
    try:
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return calls


def layer_shapes(claim):
    calls = leaf_layers(build(claim), torch.rand(claim.args["input"]))
    return [(layer, shape) for layer, shape, _ in calls]


def layer_parameters(claim):
    calls = leaf_layers(build(claim), torch.rand(claim.args["input"]))
    return [(layer, count) for layer, _, count in calls]


def parameter_totals(claim):
    parameters = list(build(claim).parameters())
    trainable = sum(p.numel() for p in parameters if p.requires_grad)
    total = sum(p.numel() for p in parameters)
    return {"total": total, "trainable": trainable, "non_trainable": total - trainable}


def summary_sizes_mb(claim):
    """torchsummary's size estimate: float32 bytes in MiB, printed with 2 decimals."""
    model, shape = build(claim), claim.args["input"]
    outputs = sum(prod(out) for _, out, _ in leaf_layers(model, torch.rand(shape)))
    mib = 4 / 2**20
    sizes = {
        "input": prod(shape) * mib,
        "forward_backward": 2 * outputs * mib,
        "params": sum(p.numel() for p in model.parameters()) * mib,
    }
    sizes["total"] = sum(sizes.values())
    return {name: round(size, 2) for name, size in sizes.items()}


def trainable_change_from_dropout(claim):
    model = build(claim)
    before = sum(p.numel() for p in model.parameters() if p.requires_grad)
    with_dropout = nn.Sequential(model, nn.Dropout(p=0.5))
    return sum(p.numel() for p in with_dropout.parameters() if p.requires_grad) - before


def linear_model_output(claim):
    model, x = build(claim), torch.randn(10, 3)
    expected = oracle.linear(x.numpy(), np.ones((2, 3)), np.ones(2))
    assert_close_to(model(x), expected, dtype=torch.float32)
    return "x @ ones(3, 2) + 1"


def alexnet_classifier_0(claim):
    alexnet = build(claim)
    ways = [alexnet.classifier[0], alexnet.get_submodule("classifier")[0],
            alexnet.get_submodule("classifier.0"), alexnet._modules["classifier"]._modules["0"]]
    return repr(ways[0]) if all(way is ways[0] for way in ways) else "different modules"


def module_names(claim):
    return [name for name, _ in build(claim).named_modules()]


def freeze_first_conv(claim):
    alexnet = build(claim)
    alexnet.features[0].requires_grad_(requires_grad=False)
    return [alexnet.features[0].weight.requires_grad, alexnet.features[0].bias.requires_grad]


CHECKS = {check.__name__: check for check in [
    state_dict_shapes, parameter_shapes, parameter_values, prints_as,
    is_pretrained, raises, output_shape, yields_parameterless_modules, ones_like_of_data, dataloader_batch_shapes, prediction_shape,
    fashionmnist_shapes, dataloader_progress,
    pool_of_printed_image, normalize_mnist_image, layer_shapes, layer_parameters,
    parameter_totals, summary_sizes_mb, trainable_change_from_dropout, linear_model_output,
    alexnet_classifier_0, module_names, freeze_first_conv,
]}
MEASURED = {claim.id: claim for claim in catalog.CLAIMS if isinstance(claim, catalog.Measured)}


@pytest.mark.parametrize("claim_id", MEASURED)
def test_claim(claim_id):
    """The claim's documented value (or, where the tutorial is wrong, the real one) holds."""
    claim = MEASURED[claim_id]
    if claim.needs_torchvision and environment.torchvision_missing():
        pytest.skip(environment.torchvision_missing())
    torch.manual_seed(0)
    measured = CHECKS[claim.check](claim)
    context = f"seed {claim.seed}, {claim.where}: {claim.as_written!r}"
    if "print_precision" in claim.args:
        np.testing.assert_allclose(measured, claim.expected, rtol=0,
                                   atol=claim.args["print_precision"], err_msg=context)
    else:
        assert measured == claim.expected, (
            f"{context}: measured {measured!r}, expected {claim.expected!r}")
