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
here.
"""

from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import Version


@dataclass(frozen=True)
class KnownBug:
    id: str
    issue: str  # the upstream issue's URL
    title: str  # what is wrong, in one line
    package: str  # "torch" or "torchvision": whose release `affected` is about
    affected: str  # a PEP 440 version range of that package, e.g. "<2.9"
    tests: tuple  # node-id names of the tests it fails
    reproduce: str  # one line of Python that shows it
    measured: str  # the releases it was run on here, and what each did
    raises: tuple = ()  # the exception types the failing tests raise, where the bug is one
    also: tuple = ()  # (package, version range) pairs that must hold too, e.g. ("numpy", ">=2")

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
        ),
        reproduce="torch.tensor([np.bool_(True)])",
        raises=(TypeError,),
        also=(("numpy", ">=2"),),  # numpy 1's bool_ has __index__: torch takes it
        measured="with numpy 2.4: raises on 2.5.1, 2.7.1 and 2.8.0; accepted on 2.9.0, 2.9.1, "
        "2.12.0, 2.13.0 and 2.14.1",
    ),
)
