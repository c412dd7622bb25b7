"""Every real bank file under the shared samples is a test case.

A file whose name says it is broken must be refused with a clear error or read with issues;
every other file must be read, and each of its statements that carries both balances must
add up. The table of expectations is derived from the file names, so a sample added to the
folder is tested without anyone touching this file.

Some files were written by hand for other projects' unit tests and their balances do not
match their own movements. For those, the statement's difference is pinned below: the parser
must read the same amounts (the totals were checked against the mt-940 library's reading of
the same files) and report each difference as an issue, which is what makes the import
refuse such a statement unless someone accepts it.
"""

from __future__ import annotations

import pytest

from pointage.formats.statements import parse
from pointage.formats.statements.checks import balance_difference
from pointage.formats.statements.model import ParseOptions, StatementFileError
from tests.formats.samples import SAMPLES_DIR, SHARED_SAMPLES_DIR

BROKEN_MARKS = (
    "broken",
    "invalid",
    "wrong",
    "fail_nice",
    "without",
    "unstarted",
    "already_defined",
    "out_of_statement",
)
# Files a lenient reader is for: amounts shifted out of their zone by the bank.
LENIENT = {"silarhi-non-strict-test.txt"}

# closing - (opening + movements) of each statement, minor units, as the files say.
DO_NOT_ADD_UP = {
    "genkgo-camt053.v2.all-balance-types.xml": [-582],
    "genkgo-camt053.v2.five.decimals.xml": [5],  # 18.150 + 8.850 against a closing of 27.050
    "betterplace-sepa_snippet.sta": [0, 30008],
    "jejik-abnamro.sta": [-203800, -100260],
    "jejik-ing.sta": [4906],
    "jejik-knab.sta": [0, 450000],
    "jejik-postfinance.sta": [0, 20],
    "jejik-rabobank.sta": [113593, 0, 23656, 0],
    "jejik-triodos.sta": [11140],
    "mBank-with_newline_in_tnr.sta": [77071],
    "self-provided-details_60-63.sta": [23401],
    "self-provided-malformed_details.sta": [23401],
    "self-provided-overly_long_details.sta": [23401],
    "self-provided-raiffeisen-cmi.sta": [112326400],
    "self-provided-whitespace.sta": [23401],
}
# Fragments of other projects' unit tests that hold no MT940 field at all.
NOT_A_STATEMENT = {"self-provided-empty_non_swift.sta"}

SAMPLES = sorted(
    path for path in SAMPLES_DIR.glob("*/*") if path.is_file() and path.name != "README.md"
)


@pytest.mark.skipif(
    not SHARED_SAMPLES_DIR.is_dir(), reason="the team's shared samples are not beside this checkout"
)
def test_the_repository_holds_every_shared_sample_unchanged():
    shared = {
        path.relative_to(SHARED_SAMPLES_DIR): path.read_bytes()
        for path in SHARED_SAMPLES_DIR.glob("*/*")
        if path.is_file()
    }
    assert shared
    for relative, content in shared.items():
        assert (SAMPLES_DIR / relative).read_bytes() == content, relative


def _is_broken(name: str) -> bool:
    return any(mark in name for mark in BROKEN_MARKS)


def test_the_shared_samples_are_there():
    # Without them the parametrised tests below would silently test nothing.
    assert len(SAMPLES) >= 100
    assert {path.parent.name for path in SAMPLES} >= {"camt", "cfonb120", "mt940", "ofx"}


def _good(path):
    return not _is_broken(path.name) and path.name not in NOT_A_STATEMENT


@pytest.mark.parametrize("path", [p for p in SAMPLES if _good(p)], ids=lambda p: p.name)
def test_a_good_sample_is_read_and_its_balances_checked(path):
    options = ParseOptions(lenient=path.name in LENIENT)
    result = parse(path.read_bytes(), options=options)
    differences = [balance_difference(statement) for statement in result.statements]
    unbalanced = [issue for issue in result.issues if "does not add up" in issue.message]
    if path.name in DO_NOT_ADD_UP:
        assert differences == DO_NOT_ADD_UP[path.name]
        assert len(unbalanced) == sum(1 for difference in differences if difference)
    else:
        assert all(difference in (None, 0) for difference in differences), result.issues
        assert not unbalanced


@pytest.mark.parametrize("name", sorted(NOT_A_STATEMENT))
def test_a_file_with_no_statement_field_is_refused(name):
    path = next(p for p in SAMPLES if p.name == name)
    with pytest.raises(StatementFileError):
        parse(path.read_bytes())


@pytest.mark.parametrize("path", [p for p in SAMPLES if _is_broken(p.name)], ids=lambda p: p.name)
def test_a_broken_sample_is_refused_or_read_with_issues(path):
    try:
        result = parse(path.read_bytes())
    except StatementFileError as error:
        assert error.message.strip()
        assert "\n" not in error.message
    else:
        assert result.issues, "a broken file was read as if it were fine"
        assert all(issue.message.strip() for issue in result.issues)
