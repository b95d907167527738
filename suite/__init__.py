"""PyTorch conformance and benchmark suite."""
