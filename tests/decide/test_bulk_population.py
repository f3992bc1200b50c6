"""Bulk over a population table (DuckDB) gives every person the answer and reason of a single decision.

The signature-keyed memo for single decisions (`bulk_memo`) is held to the whole decision here too.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import cache
from typing import Any

import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from privet.decide.bulk import Audience, DuckBackend, assignments, count_audience, eligible_ids
from privet.decide.bulk_duck import load_population
from privet.decide.bulk_memo import SignatureMemo
from privet.decide.bulk_population import facts_from_row, polars_schema
from privet.decide.bulk_synth import synthetic_population
from privet.decide.decider import Decider
from privet.decide.engine import Request, UnknownRecipient
from tests.decide.gen import BASE_AT, World, all_choice_ids, pack_at, people, worlds


@cache
def _connection() -> Any:
    return duckdb.connect()  # opening one costs ~0.1 s; the examples share it and replace the table


def duck_with(rows: list[dict[str, Any]], choice_ids: list[str]) -> DuckBackend:
    con = _connection()
    load_population(con, pl.DataFrame(rows, schema=polars_schema(choice_ids)))
    return DuckBackend(con)


def single(world: World, row: dict[str, Any], memo: SignatureMemo | None = None) -> tuple[bool, str | None]:
    facts = facts_from_row(row, world.at)
    decision = world.decider.evaluate(world.request, facts, world.at)
    if memo is not None:
        assert memo.decide(world.request, facts, world.at) == decision  # the whole decision, reasons and all
        assert world.decider.decide(world.request, facts, world.at) == decision  # the decider's own memo too
    return decision.allowed, decision.denial_reason


def check(world: World, rows: list[dict[str, Any]], backend: DuckBackend) -> Audience | None:
    memo = SignatureMemo(world.decider)
    try:
        expected = {row["person_id"]: single(world, row, memo) for row in rows}
        assert expected == {row["person_id"]: single(world, row, memo) for row in rows}  # again, from the memo
    except UnknownRecipient:
        try:
            count_audience(backend, world.decider, world.request, world.at)
        except UnknownRecipient:
            return None  # both refuse: a pinned version does not know the recipient
        raise AssertionError("bulk answered where a single decision refused") from None
    audience = count_audience(backend, world.decider, world.request, world.at, keep_keys=True)
    got = {pid: (v.allowed, v.denial_reason) for pid, v in assignments(backend, audience)}
    assert got == expected
    assert sorted(i for batch in eligible_ids(backend, audience) for i in batch) == sorted(
        p for p, (ok, _) in expected.items() if ok
    )
    assert audience.total == len(rows)
    assert audience.eligible == sum(ok for ok, _ in expected.values())
    assert audience.denied_by_reason == dict(Counter(r for ok, r in expected.values() if not ok))
    return audience


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_bulk_equals_single_decisions_on_random_packs_people_and_campaigns(data: st.DataObject) -> None:
    world = data.draw(worlds())
    choice_ids = all_choice_ids(world.decider)
    rows = data.draw(people(world, choice_ids))
    check(world, rows, duck_with(rows, choice_ids))


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_deciders_memo_stays_right_as_the_clock_moves(data: st.DataObject) -> None:
    """One long-lived decider answers people at many moments, in any order, as if each were decided afresh.

    Choices take effect, CPNI notice windows open and service lines start between the moments, so a
    memo that kept an answer past the moment it was made for would show here.
    """
    world = data.draw(worlds())
    choice_ids = all_choice_ids(world.decider)
    rows = data.draw(people(world, choice_ids, count=(1, 8)))
    offsets = (-2 * 86_400, -1, 0, 1, 86_400, 3 * 86_400, 40 * 86_400)
    asks = data.draw(st.permutations([(row, offset) for row in rows for offset in offsets]))
    for row, offset in asks:
        at = world.at + timedelta(seconds=offset)
        facts = facts_from_row(row, at)
        try:
            expected = world.decider.evaluate(world.request, facts, at)
        except UnknownRecipient:
            continue  # a pinned version does not know the recipient; the memo must not be asked to know better
        assert world.decider.decide(world.request, facts, at) == expected


def test_synthetic_subscribers_get_the_single_decision_answer_even_without_choice_columns() -> None:
    """The generator's rows, with and without the pack's choice columns (missing ones read as never recorded)."""
    decider = Decider(pack_at("001-mettel"))
    for choices in (decider.current.pack.choices, []):
        frame = synthetic_population(1000, seed=7, choices=choices, now=BASE_AT, current_version=decider.current.version)
        con = _connection()
        load_population(con, frame)
        rows = frame.to_dicts()
        for rule_id in (
            "cpni-affiliate-marketing",
            "targeted-ads-ad-networks",
            "deid-sale-affiliates-ca",
            "maine-affiliate-marketing",
        ):
            rule = next(r for r in decider.current.pack.rules if r.id == rule_id)
            world = World(decider, Request(tuple(rule.categories[:2]), rule.purpose, rule.recipient), BASE_AT)
            audience = check(world, rows, DuckBackend(con))
            assert audience is not None and audience.decisions <= len(audience.counts)
