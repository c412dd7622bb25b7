"""Deciding: mutual best above the threshold, round after round; copies of a line; why the
rest stays open."""

from __future__ import annotations

from pointage.matching.candidate import Candidate
from pointage.matching.decide import Decider, Line, suggestion_reason, top_candidates, verdict
from pointage.matching.evidence import passed
from pointage.matching.model import OpenReason, Rule


def cand(entry: int, remittance: int, points: int, blocked: str = "") -> Candidate:
    return Candidate(
        rule=Rule.REMITTANCE_CREDIT,
        entry_ids=(entry,),
        remittance_ids=(remittance,),
        criteria=(passed("amount", "x", "x", points),),
        blocked=blocked,
    )


def lines(*ids: int, same: bool = False) -> dict[int, Line]:
    return {i: Line("same" if same else i, (i, i), 100, "EUR") for i in ids}


def decider(*ids: int, same: bool = False) -> Decider:
    return Decider(70, lines(*ids, same=same))


def test_unique_mutual_best_above_threshold_is_applied():
    d = decider(1, 2)
    best, other = cand(1, 10, 130), cand(2, 10, 70)
    left = d.settle([best, other])
    assert d.automatic == [best]
    assert left == []  # the other candidate needed the claimed remittance


def test_below_threshold_or_blocked_is_never_applied():
    d = decider(1, 2)
    left = d.settle([cand(1, 10, 69), cand(2, 20, 130, blocked="no")])
    assert d.automatic == [] and len(left) == 2


def test_a_tie_is_not_applied_on_either_side():
    d = decider(1, 2)
    left = d.settle([cand(1, 10, 100), cand(2, 10, 100)])
    assert d.automatic == [] and len(left) == 2


def test_the_best_for_a_remittance_but_not_for_its_line_waits():
    d = decider(1)
    # Line 1 prefers remittance 20; remittance 10 has only line 1.
    a, b = cand(1, 10, 100), cand(1, 20, 130)
    d.settle([a, b])
    assert d.automatic == [b]


def test_claiming_one_match_frees_another_in_the_next_round():
    d = decider(1, 2)
    # Line 2 is tied between remittances 10 and 20 until line 1 takes 10.
    first, tied_a, tied_b = cand(1, 10, 130), cand(2, 10, 70), cand(2, 20, 70)
    d.settle([first, tied_a, tied_b])
    assert d.automatic == [first, tied_b]


def test_identical_lines_tied_for_one_remittance_are_a_duplicate():
    d = decider(5, 6, same=True)
    d.settle([cand(6, 10, 130), cand(5, 10, 130)])
    (match,) = d.automatic
    assert match.entry_ids == (5,)  # the first booked
    assert match.anomaly == "the bank booked this credit twice (entry 6)"
    assert match.difference_minor == 100
    assert d.copies == {6: 5}


def test_identical_lines_tied_between_two_remittances_are_ambiguous():
    d = decider(5, 6, same=True)
    left = d.settle([cand(5, 10, 100), cand(6, 10, 100), cand(5, 20, 100), cand(6, 20, 100)])
    assert d.automatic == [] and d.copies == {}
    assert len(left) == 4


def test_reasons_of_what_stays_open():
    tied = [cand(1, 10, 100), cand(2, 10, 100)]
    low = cand(3, 30, 40)
    stopped = cand(4, 40, 130, blocked="the line names contract 8023456, not 7012345")
    tops = top_candidates([*tied, low, stopped])
    assert suggestion_reason(tied[0], tops, 70) == "ambiguous: 2 candidates score 100"
    assert suggestion_reason(low, tops, 70) == "below the threshold: scores 40, 70 needed"
    assert suggestion_reason(stopped, tops, 70) == stopped.blocked

    def reason(item):
        found = verdict(item, tops, 70, lambda candidate, other_side: "it")
        return found and found.reason

    assert reason(("remittance", 10)) is OpenReason.AMBIGUOUS
    assert reason(("entry", 1)) is OpenReason.AMBIGUOUS  # its remittance is tied
    assert reason(("entry", 3)) is OpenReason.BELOW_THRESHOLD
    assert reason(("entry", 4)) is OpenReason.BELOW_THRESHOLD
    assert reason(("entry", 99)) is None
