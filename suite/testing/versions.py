"""Version gates: behaviour that changed in a release is tested on both sides of the change.

A gate names the release and the change, so a reader of a test (or of a skip reason)
learns what differs, and `tox` runs on old and new releases exercise both branches.
"""

from dataclasses import dataclass

import torch
from packaging.version import Version


def release(version: str) -> Version:
    """'2.14.1+cu130' -> Version('2.14.1'): local build tags do not change behaviour."""
    return Version(Version(version).base_version)


TORCH = release(torch.__version__)


@dataclass(frozen=True)
class Change:
    """A behaviour that changed in torch `since`."""

    since: str
    what: str

    def applies(self, installed: Version = TORCH) -> bool:
        """True on releases that have the change."""
        return installed >= Version(self.since)

    def __str__(self) -> str:
        return f"torch {self.since}: {self.what}"

    def requires(self, installed: Version = TORCH):
        """Skip marker for a test of an API that does not exist before the change."""
        import pytest

        return pytest.mark.skipif(
            not self.applies(installed),
            reason=f"needs torch >= {self.since} ({self.what}); installed {installed}",
        )


# The changes this suite knows about, newest last.
ZERO_GRAD_SETS_NONE = Change("2.0", "optimizer.zero_grad() sets .grad to None by default")
LOAD_WEIGHTS_ONLY_WARNING = Change(
    "2.4", "torch.load warns (FutureWarning) when weights_only is not given"
)
LOAD_WEIGHTS_ONLY_DEFAULT = Change("2.6", "torch.load defaults to weights_only=True")
# pytorch/pytorch#176573 (March 2026) gave the norm layers a `bias` argument and printed it:
# torch/nn/modules/batchnorm.py's extra_repr has it in the 2.12.0 wheel, not in 2.11.0's.
BATCHNORM_REPR_BIAS = Change("2.12", "BatchNorm's printout shows bias=True after affine=True")

# pytorch/pytorch#142824 (December 2024): DDP(init_sync=False) skips the collectives of
# construction (the parameter check and the broadcast from rank 0).
DDP_INIT_SYNC = Change("2.7", "DistributedDataParallel takes init_sync (False: no broadcast "
                              "from rank 0 at construction)")

# pytorch/pytorch#149781 (AVG) and #149869 (reduce_scatter; it also marked reduce_scatter
# supported by gloo in the distributed docs' backend table), merged 2025-03-24/25, after 2.7's
# branch cut (2025-03-12, release tracker #149044): first in 2.8.0. Measured: refused on 2.5.1,
# computed on 2.9.1, 2.12.0, 2.13.0 and 2.14.1 (2.6 to 2.8 not run here).
GLOO_AVG = Change("2.8", "gloo computes ReduceOp.AVG in all_reduce, reduce and reduce_scatter "
                         "(before: RuntimeError 'Cannot use ReduceOp.AVG with Gloo')")
GLOO_REDUCE_SCATTER = Change("2.8", "gloo computes reduce_scatter of a list of tensors (before: "
                                    "RuntimeError 'ProcessGroupGloo does not support "
                                    "reduce_scatter')")


def changes() -> dict:
    """{name: Change} for every change above."""
    return {name: value for name, value in globals().items() if isinstance(value, Change)}


def recorded(installed: Version = TORCH) -> list[dict]:
    """Each gate and the side the installed torch is on, for result files (the cross-version
    report shows the sides a run took, not what today's code would say)."""
    return [{"name": name, "since": change.since, "what": change.what,
             "applies": change.applies(installed)} for name, change in changes().items()]
