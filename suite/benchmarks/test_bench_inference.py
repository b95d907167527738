"""Inference of torchvision's resnet18 and mobilenet_v2 (seed 000 prints MobileNetV2) with
random weights (weights=None: nothing is downloaded), in eval and inference mode, in images/s
at batch 1 (latency-bound) and batch 8.
"""

import pytest
import torch

from suite.benchmarks import harness

MODELS = ("resnet18", "mobilenet_v2")
BATCHES = (1, 8)


@pytest.mark.parametrize("batch", BATCHES, ids=lambda batch: f"batch{batch}")
@pytest.mark.parametrize("model_name", MODELS)
def test_inference(benchmark, torchvision, device, model_name, batch):
    """A forward pass of a torchvision classifier on 3x224x224 images."""
    device = torch.device(device)
    torch.manual_seed(0)
    model = getattr(torchvision.models, model_name)(weights=None).to(device).eval()
    images = torch.rand(batch, 3, 224, 224, device=device)
    with torch.inference_mode():
        harness.measure(benchmark, lambda: model(images), device=device, unit="images/s",
                       work_per_call=batch, dtype=torch.float32, model=model_name, batch=batch)
