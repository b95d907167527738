"""One writer for every result file: named by kind, machine, torch version and time,
validated against the schema (schema.json beside this file), and written atomically."""

import itertools
import json
import math
import os
import re
import tempfile
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"
SCHEMA_VERSION = 2  # 2: conformance files record run.known_bugs
SCHEMA_NAME = "suite/tools/schema.json"


def results_dir() -> Path:
    """Where result files go unless --results-dir says: ./results of the working directory."""
    return Path.cwd() / "results"


class ResultError(Exception):
    """A result file that cannot be read or does not follow the schema."""


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def validator() -> jsonschema.protocols.Validator:
    """Built once: jsonschema.validate would re-check the schema itself on every call."""
    return jsonschema.Draft202012Validator(schema())


def validate(document: dict) -> None:
    errors = list(validator().iter_errors(document))
    # A field failing inside a kind's branch also makes that branch's names "unevaluated" at
    # the top: report the field, not the consequence.
    specific = [error for error in errors if error.validator != "unevaluatedProperties"]
    error = jsonschema.exceptions.best_match(specific or errors)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise ResultError(f"does not follow {SCHEMA_NAME} at {where}: {error.message}") from None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def file_name(kind: str, environment: dict, created: datetime) -> str:
    """e.g. conformance_myhost_torch-2.14.1-cu130_20261125T134000Z.json"""

    def safe(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "-", text)

    stamp = created.strftime("%Y%m%dT%H%M%SZ")
    return f"{kind}_{safe(environment['hostname'])}_torch-{safe(environment['torch'])}_{stamp}.json"


def write(document: dict, directory: Path) -> Path:
    """Validate, then write via a temporary file and a rename: a killed run leaves no half file."""
    validate(document)
    directory.mkdir(parents=True, exist_ok=True)
    created = datetime.fromisoformat(document["created_utc"])
    path = directory / file_name(document["kind"], document["environment"], created)
    with tempfile.NamedTemporaryFile("w", dir=directory, suffix=".tmp", delete=False) as handle:
        try:
            json.dump(document, handle, indent=2, sort_keys=False, allow_nan=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException as error:
            handle.close()
            os.unlink(handle.name)
            if isinstance(error, (TypeError, ValueError)):  # e.g. NaN, or a numpy integer
                raise ResultError(f"cannot be written as strict JSON: {error}") from None
            raise
    return publish(Path(handle.name), path)


def publish(temporary: Path, path: Path) -> Path:
    """Give the finished file its name without replacing another run's file (os.link fails on
    an existing name): a run stamped with the same second gets a -2, -3, ... suffix."""
    try:
        for number in itertools.count(1):
            candidate = path if number == 1 else path.with_name(f"{path.stem}-{number}{path.suffix}")
            try:
                os.link(temporary, candidate)
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: check, then rename
                if candidate.exists():
                    continue
                os.replace(temporary, candidate)
            return candidate
    finally:
        temporary.unlink(missing_ok=True)


def refuse_non_finite(name: str):
    """Python's json reads NaN and Infinity, which are not JSON and poison every ratio."""
    raise ValueError(f"{name} is not a JSON number")


def finite_float(text: str) -> float:
    """A JSON number too large for a float (1e999) would be read as inf."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a float")
    return value


def read(path: Path) -> dict:
    """A result file, checked: a clear ResultError for missing, malformed or off-schema files."""
    try:
        document = json.loads(Path(path).read_text(), parse_constant=refuse_non_finite,
                              parse_float=finite_float)
    except FileNotFoundError:
        raise ResultError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ResultError(f"{path}: cannot be read ({error})") from None
    except ValueError as error:  # json.JSONDecodeError, or NaN/Infinity refused
        raise ResultError(f"{path}: not valid JSON ({error})") from None
    try:
        validate(document)
    except ResultError as error:
        raise ResultError(f"{path}: {error}") from None
    return document
