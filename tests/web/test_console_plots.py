"""The plots page: SVG chart functions (pure), SQL aggregation on SQLite and PostgreSQL, and who sees which chart."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from privet.abuse.tables import AbuseNotice
from privet.consent import ledger
from privet.requests.tables import DataRequest
from privet.runtime import Runtime
from privet.web import charts
from privet.web.console_plots import (
    abuse_notices,
    consent_rates,
    percentile,
    request_volumes,
    time_to_close,
    weeks_ending,
)
from tests.conftest import add_person
from tests.web.test_console import _signed_in

# --- the chart functions: data in, SVG out ---


def test_labels_titles_and_descriptions_are_escaped() -> None:
    evil = '<script>alert("x")</script> & co'
    for svg in (
        charts.stacked_bars("c1", evil, evil, [evil, "w2"], [charts.Series(evil, (1.0, 2.0))]),
        charts.lines("c2", evil, evil, [evil], [charts.Series(evil, (3.0,))]),
        charts.share_bars("c3", evil, evil, [(evil, 0.5)]),
    ):
        assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp; co" in svg
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert "style=" not in svg  # the console's CSP forbids inline styles; presentation attributes only


def test_a_chart_is_named_by_its_title_and_description() -> None:
    svg = charts.stacked_bars("Weekly notices!", "Notices", "Per week", ["a"], [charts.Series("spam", (2.0,))])
    found = re.search(r'id="([a-z0-9-]+)" role="img".*aria-labelledby="([^"]+)"', svg)
    assert found and found.group(1) == "weekly-notices"
    assert found.group(2) == "weekly-notices-title weekly-notices-desc"


def test_empty_data_says_so_instead_of_drawing_axes() -> None:
    for svg in (
        charts.stacked_bars("e", "T", "D", [], []),
        charts.stacked_bars("e", "T", "D", ["w1", "w2"], [charts.Series("k", (0.0, 0.0))]),
        charts.lines("e", "T", "D", ["w1"], [charts.Series("median", (None,))]),
        charts.share_bars("e", "T", "D", []),
    ):
        assert "No data for this period" in svg and "<rect" in svg and "<line" not in svg
        assert "D No data for this period." in svg  # the description says it too, for a screen reader


def test_one_point_is_drawn_as_a_dot_and_one_bar_fills_the_axis() -> None:
    svg = charts.lines("one", "T", "D", ["2026-01-05"], [charts.Series("median", (4.0,))], "d")
    assert svg.count("<circle") == 1 and "<polyline" not in svg and "2026-01-05, median: 4d" in svg
    two = charts.lines("two", "T", "D", ["a", "b", "c"], [charts.Series("m", (1.0, None, 3.0))])
    assert two.count("<circle") == 2 and two.count("<polyline") == 1
    bar = charts.stacked_bars("bar", "T", "D", ["w"], [charts.Series("spam", (5.0,))])
    assert 'height="232"' in bar  # the full plot height: a single value sets the axis maximum


def test_shares_are_clamped_and_labelled_as_percentages() -> None:
    svg = charts.share_bars("s", "T", "D", [("over", 1.7), ("under", -0.2), ("half", 0.5)])
    assert ">100%<" in svg and ">0%<" in svg and ">50%<" in svg


def test_axis_maxima_and_percentiles() -> None:
    assert [charts.nice_max(v) for v in (0, 0.3, 1, 3, 7, 11, 240, 1001)] == [1, 1, 1, 5, 10, 20, 250, 2000]
    assert percentile({}, 0.5) is None
    assert percentile({3: 1}, 0.5) == 3 and percentile({3: 1}, 0.9) == 3
    histogram = {1: 5, 2: 3, 10: 2}  # ten values: 1,1,1,1,1,2,2,2,10,10
    assert percentile(histogram, 0.5) == 1 and percentile(histogram, 0.9) == 10 and percentile(histogram, 0.8) == 2


def test_weeks_start_on_monday_and_end_with_the_current_week() -> None:
    assert weeks_ending(date(2026, 3, 4), 3) == ["2026-02-16", "2026-02-23", "2026-03-02"]  # a Wednesday
    assert weeks_ending(date(2026, 3, 8), 1) == ["2026-03-02"]  # a Sunday belongs to the week before it
    assert weeks_ending(date(2026, 3, 9), 1) == ["2026-03-09"]  # a Monday starts its own


# --- aggregation in SQL, on each backend ---


def _notice(runtime: Runtime, at: datetime, kind: str | None) -> None:
    with runtime.uow("test") as uow:
        uow.session.add(
            AbuseNotice(
                received_at=at,
                channel="api",
                sha256=uuid.uuid4().hex * 2,
                size=10,
                format="text",
                status="routed",
                kind=kind,
                confidence=1.0,
                facts={},
            )
        )


def _request(runtime: Runtime, person: int, kind: str, received: datetime, responded: datetime | None) -> None:
    with runtime.uow("test") as uow:
        uow.session.add(
            DataRequest(
                kind=kind,
                status="completed" if responded else "received",
                regime="ccpa",
                person_id=person,
                channel="web_form",
                submitted_by="subject",
                received_at=received,
                respond_by=received.date() + timedelta(days=45),
                verification_level="none",
                responded_at=responded,
                created_by="test",
            )
        )


def _monday(runtime: Runtime) -> datetime:
    with runtime.uow("test") as uow:
        today = uow.now().date()
    monday = today - timedelta(days=today.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def test_notices_are_counted_per_week_and_kind_in_sql(metronet: Runtime) -> None:
    this_week = _monday(metronet)
    last_week = this_week - timedelta(weeks=1)
    # the edges of a week: Monday 00:00 belongs to it, Sunday 23:59 to the week before
    _notice(metronet, this_week, "spam")
    _notice(metronet, this_week + timedelta(hours=30), "spam")
    _notice(metronet, this_week - timedelta(minutes=1), "copyright")
    _notice(metronet, last_week + timedelta(days=2), None)
    _notice(metronet, this_week - timedelta(weeks=20), "spam")  # before the period
    with metronet.uow("test") as uow:
        weeks = weeks_ending(uow.now().date(), 4)
        figure = abuse_notices(uow, weeks)
    assert figure.columns == ["Week of", "spam", "copyright", "unclassified", "Total"]
    rows = {r[0]: r[1:] for r in figure.rows}
    assert rows[this_week.date().isoformat()] == [2, 0, 0, 2]
    assert rows[last_week.date().isoformat()] == [0, 1, 1, 2]
    assert sum(r[-1] for r in figure.rows) == 4
    assert "<title" in figure.svg and "spam" in figure.svg


def test_requests_per_week_and_time_to_close(metronet: Runtime) -> None:
    person = add_person(metronet)
    this_week = _monday(metronet)
    last_week = this_week - timedelta(weeks=1)
    closed = last_week + timedelta(days=3, hours=20)  # last Thursday evening
    for days in (1, 2, 2, 9):  # closed after 1, 2, 2 and 9 calendar days; the last came in the week before
        _request(metronet, person, "access", closed - timedelta(days=days), closed)
    _request(metronet, person, "delete", this_week + timedelta(hours=1), this_week + timedelta(hours=3))
    _request(metronet, person, "delete", this_week + timedelta(hours=2), None)
    with metronet.uow("test") as uow:
        weeks = weeks_ending(uow.now().date(), 4)
        volumes = request_volumes(uow, weeks)
        closing = time_to_close(uow, weeks)
    assert volumes.columns[0] == "Week of" and set(volumes.columns[1:-1]) == {"access", "delete"}
    by_week = {r[0]: r[-1] for r in volumes.rows}
    assert by_week[this_week.date().isoformat()] == 2 and by_week[last_week.date().isoformat()] == 3
    assert sum(by_week.values()) == 6
    table = {r[0]: r[1:] for r in closing.rows}
    assert table[last_week.date().isoformat()] == [4, "2", "9"]
    assert table[this_week.date().isoformat()] == [1, "0", "0"]
    (_, _, by_kind) = closing.extra[0]
    assert by_kind == [["access", 4, "2", "9"], ["delete", 1, "0", "0"]]


def test_consent_rates_count_defaults_for_people_who_never_chose(metronet: Runtime) -> None:
    people = [add_person(metronet) for _ in range(4)]
    opt_in = next(c for c in metronet.pack.choices if c.default == "denied" and "web_form" in c.channels)
    with metronet.uow("test") as uow:
        ledger.record_choice(uow, metronet.pack, person_id=people[0], choice_id=opt_in.id, value=True, channel="web_form")
        figure = consent_rates(uow, metronet.pack)
    row = next(r for r in figure.rows if r[0] == opt_in.name)
    assert row[1:] == ["denied", 1, 0, 3, 1, "25.0%"]
    allowed_by_default = [r for r in figure.rows if r[1] == "allowed"]
    assert all(r[-1] == "100.0%" for r in allowed_by_default if r[2] == 0 and r[3] == 0)
    assert figure.svg.count("<title>") == len(metronet.pack.choices)


# --- the page ---


def test_each_role_sees_only_the_plots_it_may_read(web: TestClient, staff_token: Callable[[str], str]) -> None:
    assert web.get("/console/plots").status_code == 303  # not signed in
    officer = _signed_in(web, staff_token("privacy_officer"))
    page = officer.get("/console/plots")
    assert page.status_code == 200
    for heading in ("Abuse notices per week", "Data-subject requests per week", "Days to close", "Consent rates"):
        assert heading in page.text
    assert page.text.count("<details>") == 4 and page.text.count('role="img"') == 4
    assert 'href="/console/plots"' in page.text
    abuse = _signed_in(web, staff_token("abuse_desk")).get("/console/plots").text
    assert "Abuse notices per week" in abuse and "Data-subject requests" not in abuse and "Consent rates" not in abuse
    care = _signed_in(web, staff_token("care_rep")).get("/console/plots").text
    assert "Abuse notices" not in care and "Data-subject requests per week" in care and "Consent rates" in care
    marketing = _signed_in(web, staff_token("marketing"))
    assert marketing.get("/console/plots").status_code == 403
    assert 'href="/console/plots"' not in marketing.get("/console").text


@pytest.mark.parametrize("weeks", ["0", "105", "ten"])
def test_a_bad_period_is_refused(web: TestClient, staff_token: Callable[[str], str], weeks: str) -> None:
    assert _signed_in(web, staff_token("admin")).get("/console/plots", params={"weeks": weeks}).status_code == 422


def test_the_page_shows_the_data_it_counted(web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]) -> None:
    _notice(metronet, _monday(metronet) + timedelta(hours=1), "phishing<b>")
    page = _signed_in(web, staff_token("admin")).get("/console/plots", params={"weeks": 2})
    assert page.status_code == 200
    assert "phishing&lt;b&gt;" in page.text and "phishing<b>" not in page.text
    with metronet.uow("test") as uow:
        assert uow.session.scalars(select(AbuseNotice.kind)).all() == ["phishing<b>"]
