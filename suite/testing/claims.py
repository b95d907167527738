"""A conformance test that checks a claim of the documented-claims catalog (reference/claims.py)
says so with @covers(claim id): the claim points at no file, the test carries the claim, and
suite/selftest/test_catalog.py checks that every Covered claim has its test and every mark
names a Covered claim."""

import pytest


def covers(*claim_ids: str):
    """Mark a test as the check of these claims (Covered claims of reference/claims.py)."""
    return pytest.mark.covers(*claim_ids)


def claims_covered_by(function) -> set:
    """The claim ids a test function's @covers marks name."""
    return {claim_id for mark in getattr(function, "pytestmark", []) if mark.name == "covers"
            for claim_id in mark.args}
