"""The tutorials' models, written as the seeds write them (../shared/seeds), for the
conformance, convergence and benchmark tests. Where the seed's code cannot run as printed
(nn.module, leaner_relu_stack, ...) the model here is the evident intent, and the claims
catalog (reference/claims.py) records the seed's version and what it really does.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parameter import Parameter


class SingleConvModel(nn.Module):
    """Seed 000: a single Conv2d."""

    def __init__(self, in_channels=1, out_channels=1, kernel_size=3):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)

    def forward(self, x):
        return self.conv(x)


class MyModel(nn.Module):
    """Seed 001: two 5x5 convolutions with ReLU (the seed subclasses `nn.module`)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 20, 5)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        return F.relu(self.conv2(x))


class NeuralNetwork(nn.Module):
    """Seed 002: the MLP, Flatten -> 784-512-512-10 with ReLU."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


class Net(nn.Module):
    """Seed 002: the CNN trained on MNIST (two 3x3 convs, 2x2 max pools, one linear)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=5, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(in_channels=5, out_channels=10, kernel_size=3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc = nn.Linear(49 * 10, 10)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        return self.fc(x.view(-1, 7 * 7 * 10))


class MyNetwork(nn.Module):
    """Seed 003: the basic CNN with BatchNorm and adaptive pooling."""

    def __init__(self, num_class=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=3, out_channels=32, kernel_size=7, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(in_channels=32, out_channels=64, kernel_size=3, stride=1, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(in_channels=64, out_channels=128, kernel_size=3, stride=1, padding=1)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc1 = nn.Linear(in_features=128, out_features=1024)
        self.fc2 = nn.Linear(in_features=1024, out_features=num_class)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.maxpool(self.relu(self.bn2(self.conv2(x))))
        x = self.avgpool(self.conv3(x))
        return self.fc2(self.fc1(torch.flatten(x, 1)))


class MyLinearModel(nn.Module):
    """Seed 004: a linear model from two Parameters initialised to ones."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.W = Parameter(torch.ones((out_features, in_features)))
        self.b = Parameter(torch.ones(out_features))

    def forward(self, x):
        return torch.mm(x, self.W.T) + self.b


class ParameterBufferTensor(nn.Module):
    """Seed 004: one Parameter, one plain tensor attribute, one buffer."""

    def __init__(self):
        super().__init__()
        self.parameter = Parameter(torch.Tensor([7]))
        self.tensor = torch.Tensor([7])
        self.register_buffer("buffer", self.tensor)


class ConvBnConv(nn.Module):
    """Seed 004: 1x1 conv with bias, BatchNorm, 1x1 conv without bias (27 parameters)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=3, kernel_size=1, bias=True)
        self.bn1 = nn.BatchNorm2d(num_features=3)
        self.conv2 = nn.Conv2d(in_channels=3, out_channels=5, kernel_size=1, bias=False)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.conv2(x))


def meta_torchvision_model(name, **kwargs):
    """A torchvision model with random weights on the meta device: its structure, shapes and
    parameter counts without memory or compute."""
    import torchvision

    with torch.device("meta"):
        return getattr(torchvision.models, name)(weights=None, **kwargs)


def one_hot_target(y, num_classes=10, device="cpu"):
    """Seed 002's target_transform, Lambda(lambda y: torch.zeros(10, dtype=torch.float)
    .scatter_(dim=0, index=torch.tensor(y), value=1)), with the class count and device as
    parameters."""
    return torch.zeros(num_classes, dtype=torch.float, device=device).scatter_(
        dim=0, index=torch.tensor(y, device=device), value=1
    )
