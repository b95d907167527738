"""JUnit XML for CI (python -m suite --junitxml PATH): one file per part, named by the part.

pytest writes the files of the pytest parts itself (its --junitxml); the convergence part is
no pytest run, so its file is written here, one test case per catalog claim checked.
"""

import os
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path


def part_path(base: Path, part: str) -> Path:
    """results/junit.xml -> results/junit-conformance.xml (.xml added where base has none)."""
    return base.with_name(f"{base.stem}-{part}{base.suffix or '.xml'}")


def convergence_tree(document: dict) -> ET.ElementTree:
    cases = [(summary, check) for summary in document["summary"] for check in summary["checks"]]
    failures = sum(not check["passed"] for _, check in cases)
    root = ET.Element("testsuites", name="suite convergence")
    suite_element = ET.SubElement(
        root, "testsuite", name="convergence", tests=str(len(cases)), failures=str(failures),
        errors="0", skipped="0", time=f"{document['run']['duration_s']:.3f}",
        timestamp=document["created_utc"], hostname=document["environment"]["hostname"])
    for summary, check in cases:
        case = ET.SubElement(suite_element, "testcase", name=check["claim"],
                             classname=f"convergence.{summary['model']}.{summary['device']}")
        if check["passed"]:
            ET.SubElement(case, "system-out").text = check["detail"]
        else:
            ET.SubElement(case, "failure", message=check["detail"]).text = check["detail"]
    return ET.ElementTree(root)


def write_convergence(document: dict, path: Path) -> Path:
    """Through a temporary file and a rename, as every writer of the suite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".junit-", suffix=".tmp",
                                     delete=False) as handle:
        temporary = Path(handle.name)
    try:
        convergence_tree(document).write(temporary, encoding="utf-8", xml_declaration=True)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
