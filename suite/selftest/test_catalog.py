"""The documented-claims catalog (reference/claims.py) is consistent with itself and with the
tests: ids are unique, Measured claims name checks and subjects that exist, a claim marked
wrong differs from what holds, and each Covered claim has a test marked @covers(its id)."""

from reference import claims as catalog
from suite.conformance import test_claims
from suite.testing.claims import claims_covered_by
from suite.tools import figures


def test_ids_are_unique():
    ids = [claim.id for claim in catalog.CLAIMS]
    assert len(ids) == len(set(ids))


def test_measured_claims_name_checks_and_subjects_that_exist():
    for claim in catalog.CLAIMS:
        if isinstance(claim, catalog.Measured):
            assert claim.check in test_claims.CHECKS, claim.id
            assert claim.subject is None or claim.subject in test_claims.SUBJECTS, claim.id
        else:
            assert isinstance(claim, catalog.Covered), claim.id


def test_a_claim_marked_wrong_says_why_and_differs_from_what_holds():
    for claim in catalog.CLAIMS:
        if claim.tutorial_is_wrong:
            assert claim.note, claim.id
            assert isinstance(claim, catalog.Covered) or claim.tutorial_value != claim.expected, claim.id


def marked_claims() -> dict:
    """{claim id: [test functions marked @covers(it)]} over the conformance and convergence tests."""
    from suite.convergence import test_convergence

    tests = figures.conformance_test_functions() + [
        getattr(test_convergence, name) for name in dir(test_convergence) if name.startswith("test_")]
    marked = {}
    for test in tests:
        for claim_id in claims_covered_by(test):
            marked.setdefault(claim_id, []).append(test)
    return marked


def test_every_covered_claim_has_its_test_and_every_mark_a_claim():
    covered = {claim.id for claim in catalog.CLAIMS if isinstance(claim, catalog.Covered)}
    marked = marked_claims()
    assert covered - set(marked) == set(), "Covered claims no test is marked @covers for"
    assert set(marked) - covered == set(), "@covers marks naming no Covered claim"
