"""Tracing notes what a decision asks of a person's facts: precisely when it can, everything when it cannot."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime

from privet.decide.bulk_trace import AGE, AGE_KNOWN, ALL_CHOICES, ALL_LINES, features, traced
from privet.regimes.base import ChoiceState, SubjectFacts

AT = datetime(2026, 3, 1, tzinfo=UTC)
PERSON = SubjectFacts(
    state="CA",
    age=14,
    service_lines=frozenset({"voice", "broadband"}),
    choices={"a": ChoiceState(True, AT), "b": ChoiceState(False, AT)},
)


def test_comparisons_with_the_age_are_thresholds_and_anything_else_is_the_whole_age() -> None:
    facts, reads = traced(PERSON)
    age = facts.age
    assert age is not None
    assert not age < 13
    assert age >= 13
    assert 16 > age  # noqa: SIM300 - the reflected comparison is the point
    assert bisect_right((13, 16), facts.age) == 1
    assert features(reads) == {AGE_KNOWN, "age>=13", "age>=16"}
    for use in (
        lambda a: a + 1,
        lambda a: hash(a),
        lambda a: str(a),
        lambda a: a.bit_length(),
        lambda a: int(a),
        lambda a: f"{a}",
    ):
        facts, reads = traced(PERSON)
        use(facts.age)
        assert AGE in features(reads)


def test_lines_note_each_kind_tested_and_any_of_a_set_used_as_a_truth_value() -> None:
    facts, reads = traced(PERSON)
    assert "cable" not in facts.service_lines
    assert bool(facts.service_lines & frozenset({"voice", "voip"}))
    assert features(reads) == {"line:cable", "any:voice,voip"}
    facts, reads = traced(PERSON)
    assert len(frozenset({"voice"}) & facts.service_lines) == 1  # a count needs each kind
    assert features(reads) == {"line:voice"}
    for walk in (list, len, sorted, lambda s: s == frozenset({"voice"}), lambda s: frozenset(s)):
        facts, reads = traced(PERSON)
        walk(facts.service_lines)
        assert ALL_LINES in features(reads)


def test_choices_note_each_lookup_and_any_walk_notes_them_all() -> None:
    facts, reads = traced(PERSON)
    assert facts.choices.get("a") is not None and "c" not in facts.choices
    assert features(reads) == {"choice:a", "choice:c"}
    facts, reads = traced(PERSON)
    list(facts.choices.items())
    assert features(reads) == {ALL_CHOICES}


def test_attributes_map_to_their_dimensions() -> None:
    facts, reads = traced(PERSON)
    _ = (facts.state, facts.subjects, facts.gpc, facts.cpni_notice_mailed)
    assert features(reads) == {"state", "account_type", "account_status", AGE, "kind:*", "gpc", "cpni_notice"}
