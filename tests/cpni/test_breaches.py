"""CPNI breach deadlines across weekends and federal holidays, under the rule in force and the 2023 amendments.

Expected dates are worked out by hand in the comments, from the calendar, not from privet.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from privet.cpni import breaches
from privet.cpni.breach_rules import BreachFacts, compute, wait_ends
from privet.cpni.cli import app
from privet.cpni.contacts import CpniError
from privet.regimes.calendar import business_days_between, is_business_day
from tests.conftest import POLICIES
from tests.cpni.support import World, days_ago

PACK = str(POLICIES / "000-metronet")


def test_rule_in_force_counts_business_days_over_christmas_new_year_and_king_day() -> None:
    # Determined Wed 24 Dec 2025. Thu 25 Dec is Christmas; 27-28 Dec a weekend; Thu 1 Jan New Year's Day.
    # Business days after: Fri 26 (1), Mon 29 (2), Tue 30 (3), Wed 31 (4), Fri 2 Jan (5), Mon 5 (6), Tue 6 (7).
    dates = compute(BreachFacts("2007", date(2025, 12, 24)))
    assert dates.report_due == date(2026, 1, 6)
    assert dates.report_to == ("USSS", "FBI")
    # Reported on the last day, Tue 6 Jan: full business days 7, 8, 9, 12, 13, 14, 15 -> customers from Fri 16 Jan.
    assert dates.earliest_customer_notice == date(2026, 1, 16) and dates.earliest_is_projected
    # Reported Mon 12 Jan: 13, 14, 15, 16, (Mon 19 is Martin Luther King Jr. Day), 20, 21, 22 -> from Fri 23 Jan.
    assert wait_ends(date(2026, 1, 12)) == date(2026, 1, 23)
    assert dates.customer_notice_due is None


@settings(max_examples=200, deadline=None)
@given(determined=st.dates(date(2020, 1, 1), date(2030, 12, 31)), late=st.integers(0, 20))
def test_every_deadline_counts_exactly_seven_business_days(determined: date, late: int) -> None:
    dates = compute(BreachFacts("2007", determined))
    assert is_business_day(dates.report_due) and business_days_between(determined, dates.report_due) == 7
    reported = determined + timedelta(days=late)
    earliest = wait_ends(reported)
    # The day before customers may be told is the seventh full business day after the report.
    seventh = earliest - timedelta(days=1)
    assert is_business_day(seventh) and business_days_between(reported, seventh) == 7


def test_observed_independence_day_and_a_weekend_move_the_report_deadline() -> None:
    # Determined Thu 2 Jul 2026. 4 July is a Saturday, observed Fri 3 July; then a weekend.
    # Mon 6 (1), 7 (2), 8 (3), 9 (4), Fri 10 (5), Mon 13 (6), Tue 14 (7).
    assert compute(BreachFacts("2007", date(2026, 7, 2))).report_due == date(2026, 7, 14)


def test_agency_holds_extensions_and_releases_move_the_customer_date() -> None:
    base = BreachFacts("2007", date(2025, 12, 24), reported_on=date(2026, 1, 12))
    held = compute(BreachFacts(**{**base.__dict__, "hold_until": date(2026, 2, 10)}))
    assert held.earliest_customer_notice == date(2026, 2, 10)
    # A hold that ends before the wait does not shorten the wait.
    short = compute(BreachFacts(**{**base.__dict__, "hold_until": date(2026, 1, 20)}))
    assert short.earliest_customer_notice == date(2026, 1, 23)
    # Urgent need, after consulting the agency, lets customers be told at once.
    urgent = compute(BreachFacts(**{**base.__dict__, "urgent_consulted_on": date(2026, 1, 13)}))
    assert urgent.earliest_customer_notice == date(2026, 1, 13)


def test_2023_amendments_have_their_own_deadlines() -> None:
    # FCC, USSS and FBI within 7 business days (14 July, as above); customers after the agencies and by
    # 1 August (30 calendar days after 2 July).
    dates = compute(BreachFacts("2023", date(2026, 7, 2), reported_on=date(2026, 7, 9)))
    assert dates.report_to == ("FCC", "USSS", "FBI") and dates.report_due == date(2026, 7, 14)
    assert dates.earliest_customer_notice == date(2026, 7, 9) and dates.customer_notice_due == date(2026, 8, 1)
    # Fewer than 500 customers and no harm reasonably likely: the annual summary due 1 Feb, no customer notice.
    small = compute(BreachFacts("2023", date(2026, 7, 2), affected_count=120, harm="no_harm_reasonably_likely"))
    assert small.report_is_annual_summary and small.report_due == date(2027, 2, 1)
    assert not small.customer_notice_required and small.earliest_customer_notice is None
    encrypted = compute(BreachFacts("2023", date(2026, 7, 2), affected_count=9000, harm="encrypted_only_key_safe"))
    assert not encrypted.report_is_annual_summary and not encrypted.customer_notice_required


def _cli(world: World, *args: str) -> str:
    url = world.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, [*args, "--db", url, "--policy", PACK])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.promise("000-P153")
def test_privet_cpni_breaches_shows_what_is_due_and_customers_wait_for_the_law(world: World) -> None:
    affected = world.person(emails=[f"victim.{datetime.now(UTC).timestamp()}@example.net"], email_of_record_since=days_ago(400))
    recorded = json.loads(
        _cli(
            world,
            "breach",
            "record",
            "--discovered",
            "2025-12-22",
            "--determined",
            "2025-12-24",
            "--description",
            "Pretexter obtained call records",
            "--data",
            "call detail of one line",
            "--circumstances",
            "caller impersonated the customer",
            "--person",
            str(affected),
            "--json",
        )
    )
    breach_id = recorded["id"]
    assert recorded["report_due"] == "2026-01-06"

    due = {b["id"]: b for b in json.loads(_cli(world, "breaches", "--at", "2026-01-05", "--json"))}[breach_id]
    assert due["report_due"] == "2026-01-06" and not due["report_overdue"]
    assert due["earliest_customer_notice"] == "2026-01-16"
    assert due["due_now"][0] == "report to USSS, FBI by 2026-01-06"
    late = {b["id"]: b for b in json.loads(_cli(world, "breaches", "--at", "2026-01-07", "--json"))}[breach_id]
    assert late["report_overdue"]
    assert "OVERDUE" in _cli(world, "breaches", "--at", "2026-01-07")

    assert "from 2026-01-23" in _cli(world, "breach", "report", str(breach_id), "--on", "2026-01-12", "--reference", "CRF-88121")
    world.clock.now = datetime(2026, 1, 22, 15, tzinfo=UTC)
    with world.uow() as uow, pytest.raises(CpniError, match="not be told before 2026-01-23"):
        breaches.notify_customers(uow, breach_id, body="We are writing about an incident.")
    world.clock.now = datetime(2026, 1, 23, 9, tzinfo=UTC)
    with world.uow() as uow:
        assert breaches.notify_customers(uow, breach_id, body="We are writing about an incident.") == 1
        assert breaches.get_breach(uow, breach_id).customers_notified_on == date(2026, 1, 23)


def test_agency_hold_recorded_in_writing_delays_customers(world: World) -> None:
    with world.uow() as uow:
        b = breaches.record_breach(
            uow,
            discovered_on=date(2025, 12, 24),
            determined_on=date(2025, 12, 24),
            description="d",
            data_description="call detail",
            circumstances="c",
        )
        breaches.record_report(uow, b.id, reported_on=date(2026, 1, 12), reference="CRF-1")
        with pytest.raises(CpniError, match="at most 30 days"):
            breaches.add_hold(
                uow,
                b.id,
                kind="initial",
                agency="FBI",
                directed_on=date(2026, 1, 15),
                until=date(2026, 2, 20),
                reference="letter",
            )
        breaches.add_hold(
            uow, b.id, kind="initial", agency="FBI", directed_on=date(2026, 1, 15), until=date(2026, 2, 10), reference="letter 1"
        )
        assert breaches.status(uow, b).dates.earliest_customer_notice == date(2026, 2, 10)
        with pytest.raises(CpniError, match="end later"):
            breaches.add_hold(
                uow,
                b.id,
                kind="extension",
                agency="FBI",
                directed_on=date(2026, 2, 1),
                until=date(2026, 2, 5),
                reference="letter 2",
            )
        breaches.add_hold(
            uow, b.id, kind="extension", agency="FBI", directed_on=date(2026, 2, 1), until=date(2026, 3, 10), reference="letter 2"
        )
        assert breaches.status(uow, b).dates.earliest_customer_notice == date(2026, 3, 10)
        breaches.add_hold(
            uow, b.id, kind="release", agency="FBI", directed_on=date(2026, 2, 20), until=None, reference="letter 3"
        )
        assert breaches.status(uow, b).dates.earliest_customer_notice == date(2026, 2, 20)
        with pytest.raises(CpniError, match="in writing"):
            breaches.add_hold(
                uow, b.id, kind="initial", agency="FBI", directed_on=date(2026, 1, 15), until=date(2026, 2, 1), reference=" "
            )


def test_the_2023_rule_is_off_by_default_and_a_setting_turns_it_on(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs = {
        "discovered_on": date(2026, 7, 1),
        "determined_on": date(2026, 7, 2),
        "description": "d",
        "data_description": "PII",
        "circumstances": "c",
    }
    with world.uow() as uow:
        assert breaches.record_breach(uow, **kwargs).rule == "2007"
        with pytest.raises(CpniError, match="only intentional"):
            breaches.record_breach(uow, intentional=False, **kwargs)
    monkeypatch.setenv("PRIVET_CPNI_BREACH_RULES_2023", "on")
    with world.uow() as uow:
        b = breaches.record_breach(
            uow,
            intentional=False,
            affected_count=40,
            harm="no_harm_reasonably_likely",
            harm_rationale="logs show no use",
            **kwargs,
        )
        st = breaches.status(uow, b)
    assert b.rule == "2023" and st.dates.report_is_annual_summary and st.due_now == ("report to FCC, USSS, FBI by 2027-02-01",)


def test_bad_breach_input_is_refused_with_the_field_named(world: World) -> None:
    good = {
        "discovered_on": date(2026, 1, 2),
        "determined_on": date(2026, 1, 3),
        "description": "d",
        "data_description": "x",
        "circumstances": "c",
    }
    cases = [
        ({"determined_on": date(2026, 1, 1)}, "determined_on"),
        ({"determined_on": date(2999, 1, 1), "discovered_on": date(2999, 1, 1)}, "determined_on"),
        ({"description": "  "}, "description"),
        ({"harm": "unlikely"}, "harm"),
        ({"harm": "no_harm_reasonably_likely"}, "harm_rationale"),
        ({"rule": "2019"}, "rule"),
        ({"person_ids": [2**31 - 1]}, "no person"),
    ]
    with world.uow() as uow:
        for change, field in cases:
            with pytest.raises((CpniError, ValueError), match=field):
                breaches.record_breach(uow, **{**good, **change})
    url = world.engine.url.render_as_string(hide_password=False)
    bad = CliRunner().invoke(
        app,
        [
            "breach",
            "record",
            "--db",
            url,
            "--policy",
            PACK,
            "--discovered",
            "tomorrow",
            "--determined",
            "2026-01-01",
            "--description",
            "d",
            "--data",
            "d",
            "--circumstances",
            "c",
        ],
    )
    assert bad.exit_code == 2 and "Traceback" not in bad.output
