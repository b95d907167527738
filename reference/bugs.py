"""Known upstream bugs: released torch or torchvision contradicting its own documentation, in
this suite's areas, each confirmed here on the releases of the tox matrix.

A bug is not a version gate (suite/testing/versions.py holds documented, intended changes).
On a release in `affected`, the tests `tests` names are strict xfails whose reason is the
issue (suite/plugin/bugs.py): the fix shows up as XPASS and fails the run, which prompts the
update here; elsewhere they run as usual. Names are node ids, as the breakages write them
(suite/breakages/__init__.py: `*` for any run of characters, no brackets for every
parametrization); a name that matches no collected test warns, as array-api-tests' xfails
file does.

`measured` says what was run and seen, release by release: no entry without a reproduction
here. A bug still open upstream has an open range (">=2.5": from the matrix's oldest release
on), so the next release keeps the xfail until a fix shows up as XPASS; a fixed one ends at
the release measured fixed. A contradiction of the documentation that no upstream issue reports yet is an entry
too, with issue="", so that it is visible rather than asserted or hidden.
"""

from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import Version


@dataclass(frozen=True)
class KnownBug:
    id: str
    issue: str  # the upstream issue's URL; "" for a bug not yet reported upstream
    title: str  # what is wrong, in one line
    package: str  # "torch" or "torchvision": whose release `affected` is about
    affected: str  # a PEP 440 version range of that package, e.g. "<2.9"
    tests: tuple  # node-id names of the tests it fails
    reproduce: str  # one line of Python that shows it
    measured: str  # the releases it was run on here, and what each did
    raises: tuple = ()  # the exception types the failing tests raise, where the bug is one
    also: tuple = ()  # (package, version range) pairs that must hold too, e.g. ("numpy", ">=2")

    @property
    def where(self) -> str:
        return self.issue or "not yet reported upstream"

    def affects(self, version: str, installed=lambda package: None) -> bool:
        """Whether the release `version` ('2.9.1+cu128') of `package` is affected;
        `installed(name)` gives the versions of the packages `also` names (None: absent)."""
        if not in_range(version, self.affected):
            return False
        return all(installed(name) is not None and in_range(installed(name), spec)
                   for name, spec in self.also)


def in_range(version: str, specifier: str) -> bool:
    return Version(Version(version).base_version) in SpecifierSet(specifier)


BUGS = (
    KnownBug(
        id="numpy-bool-scalars",
        issue="https://github.com/pytorch/pytorch/issues/157973",
        title="numpy 2's numpy.bool scalars are refused: TypeError 'numpy.bool' object cannot be "
        "interpreted as an integer (torch.tensor, torch.as_tensor, default_collate)",
        package="torch",
        affected="<2.9",
        tests=(
            "suite/conformance/test_dataloader.py::test_numpy_scalars_collate[bool]",
            "suite/conformance/test_creation.py::test_tensor_of_numpy_scalar_keeps_its_dtype[bool]",
            "suite/conformance/test_creation.py::test_tensor_of_numpy_scalar_list_keeps_their_dtype[bool]",
        ),
        reproduce="torch.tensor([np.bool_(True)])",
        raises=(TypeError,),
        also=(("numpy", ">=2"),),  # numpy 1's bool_ has __index__: torch takes it
        measured="with numpy 2.4: raises on 2.5.1, 2.7.1 and 2.8.0; accepted on 2.9.0, 2.9.1, "
        "2.12.0, 2.13.0 and 2.14.1",
    ),
    KnownBug(
        id="numpy-bool-scalars-to-integers",
        issue="",
        title="numpy 2's numpy.bool scalars are still refused with an integer dtype= after "
        "pytorch#157973's fix in 2.9: torch.tensor([np.True_], dtype=torch.int64) raises "
        "TypeError 'numpy.bool' object cannot be interpreted as an integer (a Python bool "
        "converts)",
        package="torch",
        affected=">=2.5",
        tests=(
            "suite/conformance/test_creation.py::test_tensor_of_numpy_scalars_with_dtype_converts[bool]",
        ),
        reproduce="torch.tensor([np.bool_(True)], dtype=torch.int64)",
        raises=(AssertionError,),  # the test gathers every refused dtype into one assertion
        also=(("numpy", ">=2"),),
        measured="with numpy 2.4: raises for every integer dtype on 2.5.1, 2.9.1, 2.12.0, "
        "2.13.0 and 2.14.1; no upstream issue found for this case",
    ),
    KnownBug(
        id="numpy-float-scalars-to-integers",
        issue="",
        title="numpy float16/float32 scalars are refused with an integer or bool dtype=: "
        "torch.tensor([np.float32(2.5)], dtype=torch.int64) raises TypeError 'numpy.float32' "
        "object cannot be interpreted as an integer (a Python float or np.float64, a float "
        "subclass, converts; an ndarray of float32 converts)",
        package="torch",
        affected=">=2.5",
        tests=(
            "suite/conformance/test_creation.py::test_tensor_of_numpy_scalars_with_dtype_converts[float16]",
            "suite/conformance/test_creation.py::test_tensor_of_numpy_scalars_with_dtype_converts[float32]",
        ),
        reproduce="torch.tensor([np.float32(2.5)], dtype=torch.int64)",
        raises=(AssertionError,),
        measured="raises for bool and every integer dtype on 2.5.1, 2.9.1, 2.12.0, 2.13.0 and "
        "2.14.1 (numpy 2.4); no upstream issue found",
    ),
    KnownBug(
        id="array-protocol-without-copy",
        issue="https://github.com/pytorch/pytorch/issues/136264",
        title="Tensor.__array__ does not take numpy 2's copy keyword: np.array(t, copy=True) "
        "warns DeprecationWarning and np.asarray(t, copy=False) raises ValueError although a CPU "
        "tensor's memory can be shared",
        package="torch",
        affected=">=2.5",
        tests=(
            "suite/conformance/test_numpy_bridge.py::test_array_of_tensor_with_copy_true_copies",
            "suite/conformance/test_numpy_bridge.py::test_asarray_of_tensor_with_copy_false_shares",
        ),
        reproduce="np.asarray(torch.arange(3.0), copy=False)",
        raises=(DeprecationWarning,),  # numpy warns first; the tests make its warning an error
        also=(("numpy", ">=2"),),
        measured="with numpy 2.4: warns and raises on 2.5.1, 2.9.1, 2.12.0, 2.13.0 and 2.14.1",
    ),
    KnownBug(
        id="from-dlpack-negative-strides-abort",
        issue="https://github.com/pytorch/pytorch/issues/188023",
        title="torch.from_dlpack of a numpy array with negative strides aborts the interpreter "
        "(SIGABRT) instead of raising",
        package="torch",
        affected="<2.14",
        tests=(
            "suite/conformance/test_numpy_bridge.py::"
            "test_torch_from_dlpack_of_negative_strides_refuses_or_shares",
        ),
        reproduce="torch.from_dlpack(np.arange(12.0).reshape(3, 4)[:, ::-1])",
        raises=(AssertionError,),
        measured="aborts on 2.5.1, 2.9.1, 2.12.0 and 2.13.0; raises RuntimeError on 2.14.1",
    ),
    KnownBug(
        id="totensor-32bit-modes-unscaled",
        issue="https://github.com/pytorch/vision/issues/567",
        title="ToTensor's docstring lists modes I and F among those scaled to [0.0, 1.0]; "
        "images of those modes come back unscaled (int32 for I), the maintainers call it intended "
        "and the docstring the error",
        package="torchvision",
        affected=">=0.20",
        tests=("suite/conformance/test_transforms.py::test_totensor_scales_32bit_pil_images",),
        reproduce="ToTensor()(Image.fromarray(np.full((2, 2), 255, np.int32)))",
        raises=(AssertionError,),
        measured="unscaled on 0.20.1, 0.24.1, 0.27.0 and 0.29.1 (Pillow 13)",
    ),
    KnownBug(
        id="totensor-i16-wraps",
        issue="https://github.com/pytorch/vision/issues/8188",
        title="ToTensor reads an I;16 (unsigned 16-bit) image as int16: pixel values from 32768 "
        "come back negative (40000 -> -25536)",
        package="torchvision",
        affected=">=0.20",
        tests=("suite/conformance/test_transforms.py::test_totensor_keeps_16bit_pil_images_unscaled[I;16]",),
        reproduce="ToTensor()(Image.fromarray(np.full((2, 2), 40000, np.uint16)))",
        raises=(AssertionError,),
        measured="wraps on 0.20.1, 0.24.1, 0.27.0 and 0.29.1 (Pillow 13)",
    ),
    KnownBug(
        id="totensor-16bit-modes-truncated",
        issue="https://github.com/pytorch/vision/issues/8359",
        title="ToTensor reads I;16L, I;16B and I;16N images as 8-bit: each pixel becomes its "
        "low byte, then is scaled by 1/255",
        package="torchvision",
        affected=">=0.20",
        tests=(
            "suite/conformance/test_transforms.py::test_totensor_keeps_16bit_pil_images_unscaled[I;16L]",
            "suite/conformance/test_transforms.py::test_totensor_keeps_16bit_pil_images_unscaled[I;16B]",
            "suite/conformance/test_transforms.py::test_totensor_keeps_16bit_pil_images_unscaled[I;16N]",
        ),
        reproduce='ToTensor()(Image.frombytes("I;16B", (1, 1), bytes([156, 64])))',
        raises=(AssertionError,),
        measured="truncated on 0.20.1, 0.24.1, 0.27.0 and 0.29.1 (Pillow 13)",
    ),
    KnownBug(
        id="save-wide-unsigned",
        issue="https://github.com/pytorch/pytorch/issues/131470",
        title="torch.save of a uint16, uint32 or uint64 tensor raises KeyError 'dtype "
        "torch.uint16 is not recognized'",
        package="torch",
        affected="<2.6",  # the fix, pytorch/pytorch#137184, was merged in October 2024
        tests=(
            "suite/conformance/test_serialization.py::test_tensor_of_every_dtype_round_trips[*-uint16]",
            "suite/conformance/test_serialization.py::test_tensor_of_every_dtype_round_trips[*-uint32]",
            "suite/conformance/test_serialization.py::test_tensor_of_every_dtype_round_trips[*-uint64]",
        ),
        reproduce="torch.save(torch.zeros(2, dtype=torch.uint16), io.BytesIO())",
        raises=(KeyError,),
        measured="raises on 2.5.1; saves and loads on 2.9.1, 2.12.0, 2.13.0 and 2.14.1 (2.6 to "
        "2.8 not run here)",
    ),
    KnownBug(
        id="trunc-normal-16-bit-point-mass",
        issue="https://github.com/pytorch/pytorch/issues/145498",
        title="nn.init.trunc_normal_ on a bfloat16 or float16 tensor puts a point mass exactly on "
        "the lower bound a when a is far from the mean (std=0.02, a=-2: 100 std devs out): its "
        "uniform is drawn in the tensor's dtype, rounds onto -1, erfinv gives -inf, the clamp "
        "gives a (float32 sibling: pytorch#155588; fixed by pytorch#174997 / #175046)",
        package="torch",
        affected="<2.12",
        tests=(
            "suite/conformance/test_init.py::test_trunc_normal_draws_from_the_truncated_normal[*-bfloat16]",
            "suite/conformance/test_init.py::test_trunc_normal_draws_from_the_truncated_normal[*-float16]",
        ),
        reproduce="(torch.nn.init.trunc_normal_(torch.empty(10**5, dtype=torch.bfloat16), "
        "std=0.02, a=-2, b=2) == -2).sum()",
        measured="CPU, 10^5 values, seeds 0-2: bfloat16 has 402, 357, 419 values at exactly -2 "
        "and float16 55, 47, 51 on 2.5.1 and on 2.9.1; none on 2.12.0, 2.13.0 and 2.14.1, nor "
        "for float32 on any of them (2.6 to 2.8, 2.10 and 2.11 not run here; torchtitan#2521 "
        "saw it fixed in 2.12.0.dev20260306)",
        raises=(),
    ),
    KnownBug(
        id="gloo-reduce-scatter-tensor-ignores-op",
        issue="https://github.com/pytorch/pytorch/issues/162338",
        title="gloo's reduce_scatter_tensor ignores its op: PRODUCT, MAX, MIN (and AVG) give the "
        "SUM (its fallback built the all_reduce options with the op and called all_reduce "
        "without them; the issue met it as FSDP2 gradients summed instead of averaged on gloo)",
        package="torch",
        affected="<2.9",
        tests=(
            "suite/conformance/test_distributed.py::test_reduce_scatter_reduces_then_scatters[cpu-*]",
            "suite/conformance/test_distributed.py::test_avg_is_the_mean_over_ranks[cpu-*]",
        ),
        reproduce="dist.reduce_scatter_tensor(out, torch.arange(4.) + 10 * rank, "
        "op=dist.ReduceOp.MAX)  # gloo, 2 ranks: rank 0 gets [10, 12], the sum, not [10, 11]",
        measured="gloo, 3 ranks: PRODUCT, MAX, MIN and AVG give the SUM on 2.5.1; every op "
        "right on 2.9.1, 2.12.0, 2.13.0 and 2.14.1 (2.6 to 2.8 not run here; the issue was "
        "filed on 2.8)",
    ),
    KnownBug(
        id="gloo-reduce-scatter-tensor-stacked-form-aborts",
        issue="",
        title="reduce_scatter_tensor's documented stacked input (\"a stack of the output tensors "
        "along the primary dimension\") aborts every gloo rank (SIGABRT: Check failed: "
        "outputShape[0] * worldSize == inputShape[0]) instead of computing or raising",
        package="torch",
        affected=">=2.5",
        tests=(
            "suite/conformance/test_distributed.py::test_reduce_scatter_tensor_takes_the_stacked_form[cpu-*]",
        ),
        reproduce="dist.reduce_scatter_tensor(torch.empty(3), torch.stack([torch.ones(3)] * 2))"
        "  # gloo, 2 ranks",
        measured="gloo, 2 ranks, outputs of shape (3,): both ranks abort on 2.5.1 and 2.14.1 "
        "(the test: 2.9.1, 2.12.0, 2.13.0 too); no upstream issue found",
    ),
    KnownBug(
        id="inductor-cpu-flushes-subnormals",
        issue="https://github.com/pytorch/pytorch/issues/126848",
        title="inductor builds its CPU kernels with -ffast-math: loading one sets flush-to-zero "
        "for the thread, so after a torch.compile'd call eager torch and Python flush subnormal "
        "numbers to 0 (torch.set_flush_denormal is off by default)",
        package="torch",
        affected="<2.9",
        tests=("suite/conformance/test_compile.py::test_inductor_leaves_subnormals_alone",),
        reproduce="torch.compile(lambda x: x * 2)(torch.ones(8)); 5e-324 * 1.0  # 0.0",
        measured="0.0 after the call on 2.5.1; 5e-324 on 2.9.1 and 2.14.1 (2.6 to 2.8 not run "
        "here; pytorch#133842 replaced -ffast-math by its parts)",
    ),
)
