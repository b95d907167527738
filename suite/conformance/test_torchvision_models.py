"""torchvision models with random weights (seeds 000, 002, 004).

Documented (torchvision's model docs): parameter counts, a [N, 1000] output for ImageNet
classifiers, MobileNetV2's classifier Dropout(p=0.2) -> Linear(1280, 1000), and heads that
can be replaced. Nothing is downloaded: asking for pretrained weights offline fails with
the network guard's error.
Shape and count checks build the models on the meta device (no memory, no compute).
"""

import pytest
import torch
from torch import nn

from suite.plugin import guards
from suite.testing.models import meta_torchvision_model
from suite.testing.claims import covers

# torchvision's documentation, "num_params" of each model's weights.
DOCUMENTED_PARAMETERS = {
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
    "mobilenet_v2": 3_504_872,
    "resnet18": 11_689_512,
}


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def linear_parameters(in_features, out_features):
    return in_features * out_features + out_features


@covers("004-alexnet-parameters")
@pytest.mark.parametrize("name", DOCUMENTED_PARAMETERS)
def test_parameter_count_is_documented(torchvision, name):
    """The parameter count torchvision documents for each model."""
    assert parameter_count(meta_torchvision_model(name)) == DOCUMENTED_PARAMETERS[name]


@pytest.mark.parametrize("name", DOCUMENTED_PARAMETERS)
def test_output_is_batch_by_1000_classes(torchvision, name):
    """An ImageNet classifier maps [N, 3, 224, 224] to [N, 1000]."""
    model = meta_torchvision_model(name)
    for batch in (1, 3):
        assert model(torch.empty(batch, 3, 224, 224, device="meta")).shape == (batch, 1000)


def test_mobilenet_v2_structure(torchvision):
    """Seed 000 prints: features[0] is Conv2d(3, 32, 3, stride 2, padding 1, no bias) + BN +
    ReLU6, 19 feature blocks ending in Conv2d(320, 1280, 1), classifier Dropout(0.2), Linear(1280, 1000)."""
    model = meta_torchvision_model("mobilenet_v2")
    first = model.features[0][0]
    assert (first.in_channels, first.out_channels, first.kernel_size, first.stride, first.padding) == (
        3, 32, (3, 3), (2, 2), (1, 1))
    assert first.bias is None and isinstance(model.features[0][2], nn.ReLU6)
    assert len(model.features) == 19
    last = model.features[18][0]
    assert (last.in_channels, last.out_channels, last.kernel_size) == (320, 1280, (1, 1))
    dropout, linear = model.classifier
    assert isinstance(dropout, nn.Dropout) and dropout.p == 0.2
    assert (linear.in_features, linear.out_features) == (1280, 1000)


@pytest.mark.parametrize("classes", [1, 10])
def test_alexnet_head_replacement(torchvision, classes):
    """Seed 004: classifier[6] = nn.Identity() leaves 4096 features; = nn.Linear(4096, k) gives k
    classes; the parameter count follows in*out + out."""
    model, batch = meta_torchvision_model("alexnet"), 2
    x = torch.empty(batch, 3, 224, 224, device="meta")
    base = DOCUMENTED_PARAMETERS["alexnet"] - linear_parameters(4096, 1000)
    model.classifier[6] = nn.Identity()
    assert model(x).shape == (batch, 4096) and parameter_count(model) == base
    with torch.device("meta"):
        model.classifier[6] = nn.Linear(4096, classes)
    assert model(x).shape == (batch, classes)
    assert parameter_count(model) == base + linear_parameters(4096, classes)


@pytest.mark.parametrize("name, head", [("mobilenet_v2", "classifier.1"), ("resnet18", "fc")])
def test_new_head_sets_the_number_of_classes(torchvision, name, head):
    """Replacing the last Linear changes the output width and nothing else."""
    model = meta_torchvision_model(name)
    old = model.get_submodule(head)
    parent, _, attribute = head.rpartition(".")
    with torch.device("meta"):
        setattr(model.get_submodule(parent), attribute, nn.Linear(old.in_features, 3))
    assert model(torch.empty(2, 3, 224, 224, device="meta")).shape == (2, 3)
    expected = DOCUMENTED_PARAMETERS[name] - linear_parameters(old.in_features, 1000)
    assert parameter_count(model) == expected + linear_parameters(old.in_features, 3)


@pytest.mark.network_attempt_expected
def test_pretrained_weights_offline_fail_clearly(torchvision):
    """Asking for pretrained weights needs a download: offline, the network guard stops it
    with a clear error instead of a hang, and nothing lands in the user's cache."""
    with pytest.raises(guards.NetworkAccessAttempted, match="offline"):
        torchvision.models.alexnet(weights="DEFAULT")

