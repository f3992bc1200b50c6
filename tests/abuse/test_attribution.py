"""Attribution: one subscriber, ambiguous, not ours, ours but unassigned; and the assignment imports behind it."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from privet.abuse.assignments import AssignmentsRejected, add_network, import_rows, read_rows
from privet.abuse.attribution import Answer, lookup, tier_for
from privet.abuse.service import AbuseContext
from privet.abuse.tables import AbuseAssignment
from tests.abuse.conftest import assign, lease

T = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
SKEW = timedelta(seconds=120)


def _at(
    ctx: AbuseContext, address: str, when: datetime = T, port: int | None = None, skew: timedelta = SKEW
) -> tuple[Answer, str | None, str]:
    with ctx.desk("test") as desk:
        found = lookup(desk.uow.session, address, when, port=port, skew=skew)
    return found.answer, found.account_number, found.reason


def test_a_dhcp_lease_names_one_subscriber_and_a_handover_within_skew_is_ambiguous(ctx: AbuseContext) -> None:
    assign(
        ctx,
        "dhcp",
        [
            lease("203.0.113.10", "AC-1", "2025-01-15T00:00:00Z", "2025-01-15T12:01:00Z"),
            lease("203.0.113.10", "AC-2", "2025-01-15T12:01:30Z", "2025-01-16T00:00:00Z"),
        ],
    )
    assert _at(ctx, "203.0.113.10", T - timedelta(hours=2))[:2] == (Answer.ONE, "AC1")
    answer, account, reason = _at(ctx, "203.0.113.10", T)
    assert (answer, account) == (Answer.AMBIGUOUS, None) and "changed hands within the clock-skew" in reason
    assert _at(ctx, "203.0.113.10", T, skew=timedelta(0))[:2] == (Answer.ONE, "AC1")
    assert _at(ctx, "203.0.113.10", T + timedelta(hours=3))[:2] == (Answer.ONE, "AC2")


def test_cgnat_needs_the_port(ctx: AbuseContext) -> None:
    assign(
        ctx,
        "cgnat",
        [
            {
                "address": "198.51.100.7",
                "port_first": 1024,
                "port_last": 2047,
                "start": "2025-01-01T00:00:00Z",
                "account": "CG-1",
            },
            {
                "address": "198.51.100.7",
                "port_first": 2048,
                "port_last": 3071,
                "start": "2025-01-01T00:00:00Z",
                "account": "CG-2",
            },
        ],
    )
    assert _at(ctx, "198.51.100.7", port=2050)[:2] == (Answer.ONE, "CG2")
    answer, _, reason = _at(ctx, "198.51.100.7")
    assert answer is Answer.AMBIGUOUS and "no source port" in reason
    assert _at(ctx, "198.51.100.7", port=9000)[0] is Answer.UNASSIGNED


def test_cgnat_block_naming_an_inside_address_is_followed_to_its_lease(ctx: AbuseContext) -> None:
    assign(ctx, "dhcp", [lease("100.64.0.5", "NA-1", "2025-01-15T00:00:00Z", "2025-01-16T00:00:00Z")])
    assign(
        ctx,
        "cgnat",
        [
            {
                "address": "198.51.100.8",
                "port_first": 4000,
                "port_last": 4999,
                "start": "2025-01-10T00:00:00Z",
                "inside_address": "100.64.0.5",
            }
        ],
    )
    assert _at(ctx, "198.51.100.8", port=4321)[:2] == (Answer.ONE, "NA1")


def test_overlapping_records_for_different_subscribers_are_ambiguous(ctx: AbuseContext) -> None:
    assign(ctx, "static", [{"prefix": "192.0.2.64/29", "account": "ST-1", "start": "2024-01-01T00:00:00Z"}])
    assign(ctx, "dhcp", [lease("192.0.2.66", "DH-1", "2025-01-15T00:00:00Z", "2025-01-16T00:00:00Z")])
    answer, _, reason = _at(ctx, "192.0.2.66")
    assert answer is Answer.AMBIGUOUS and "overlapping" in reason
    assert _at(ctx, "192.0.2.70")[:2] == (Answer.ONE, "ST1")


def test_not_ours_and_ours_but_unassigned(ctx: AbuseContext) -> None:
    assert _at(ctx, "8.8.8.8")[0] is Answer.NOT_OURS
    with ctx.desk("test") as desk:
        add_network(desk.uow, "203.0.113.0/24", "residential pool")
    assert _at(ctx, "203.0.113.200")[0] is Answer.UNASSIGNED
    assign(ctx, "dhcp", [lease("192.0.2.200", "AC-9", "2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z")])
    assert _at(ctx, "192.0.2.200")[0] is Answer.UNASSIGNED


def test_ipv6_prefixes_from_radius_accounting(ctx: AbuseContext) -> None:
    rows = [
        {
            "event": "Start",
            "time": "2025-01-15T08:00:00Z",
            "session_id": "s-1",
            "account": "RA-1",
            "address": "203.0.113.77",
            "delegated_ipv6_prefix": "2001:db8:1200::/56",
        },
        {
            "event": "Interim-Update",
            "time": "2025-01-15T10:00:00Z",
            "session_id": "s-1",
            "account": "RA-1",
            "address": "203.0.113.77",
        },
        {"event": "Stop", "time": "2025-01-15T13:00:00Z", "session_id": "s-1", "account": "RA-1", "address": "203.0.113.77"},
        {
            "event": "Stop",
            "time": "2025-01-15T11:00:00Z",
            "session_id": "s-2",
            "session_time": "7200",
            "account": "RA-2",
            "address": "203.0.113.78",
        },
    ]
    assign(ctx, "radius", rows)
    assert _at(ctx, "2001:db8:1200:ab::1")[:2] == (Answer.ONE, "RA1")
    assert _at(ctx, "2001:db8:1200:ab::1", T + timedelta(hours=2))[0] is Answer.UNASSIGNED
    assert _at(ctx, "203.0.113.78", T - timedelta(hours=2))[:2] == (Answer.ONE, "RA2")
    assert _at(ctx, "203.0.113.78", T + timedelta(hours=2))[0] is Answer.UNASSIGNED


def test_an_open_session_is_found_until_it_stops(ctx: AbuseContext) -> None:
    assign(
        ctx,
        "radius",
        [{"event": "start", "time": "2024-01-01T00:00:00Z", "session_id": "long", "account": "LO-1", "address": "192.0.2.9"}],
    )
    assert _at(ctx, "192.0.2.9")[:2] == (Answer.ONE, "LO1")
    assign(ctx, "radius", [{"event": "stop", "time": "2025-01-10T00:00:00Z", "session_id": "long", "address": "192.0.2.9"}])
    assert _at(ctx, "192.0.2.9")[0] is Answer.UNASSIGNED
    with ctx.factory() as session:
        row = session.scalars(select(AbuseAssignment).where(AbuseAssignment.session_id == "long")).one()
        assert row.tier == tier_for(row.start_s, row.end_s) == 3


def test_every_bad_row_gets_its_own_error_and_nothing_is_written(ctx: AbuseContext) -> None:
    rows: list[object] = [
        lease("203.0.113.1", "AC-1", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"),
        lease("not-an-ip", "AC-1", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"),
        {"address": "203.0.113.2", "start": "2025-01-01T00:00:00Z"},
        lease("203.0.113.3", "AC-1", "2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z"),
        lease("203.0.113.4", "AC-1", "2025-01-01 00:00:00", "2025-01-02T00:00:00Z"),
        lease("203.0.113.5", "AC-1", "yesterday", "2025-01-02T00:00:00Z"),
        "just a string",
    ]
    with pytest.raises(AssignmentsRejected) as rejected, ctx.desk("test") as desk:
        import_rows(desk.uow, "dhcp", rows)
    errors = [(e.row, e.field) for e in rejected.value.report.errors]
    assert errors == [(2, "address"), (3, "account"), (4, "end"), (5, "start"), (6, "start"), (7, "")]
    assert "has no time zone" in str(rejected.value.report.errors[3])
    with ctx.factory() as session:
        assert session.scalars(select(AbuseAssignment)).first() is None
    with ctx.desk("test") as desk:
        report = import_rows(desk.uow, "dhcp", rows, skip_bad=True, assume_utc=True)
    assert report.inserted == 2 and len(report.errors) == 5


@pytest.mark.parametrize(
    ("kind", "row", "field"),
    [
        (
            "cgnat",
            {"address": "198.51.100.0/24", "port_first": 1, "port_last": 2, "start": "2025-01-01T00:00:00Z", "account": "AC-1"},
            "address",
        ),
        (
            "cgnat",
            {"address": "198.51.100.1", "port_first": 70000, "port_last": 2, "start": "2025-01-01T00:00:00Z", "account": "AC-1"},
            "port_first",
        ),
        (
            "cgnat",
            {"address": "198.51.100.1", "port_first": 10, "port_last": 2, "start": "2025-01-01T00:00:00Z", "account": "AC-1"},
            "port_last",
        ),
        (
            "radius",
            {"event": "pause", "time": "2025-01-01T00:00:00Z", "session_id": "x", "address": "198.51.100.1", "account": "AC-1"},
            "event",
        ),
        ("radius", {"event": "start", "time": "2025-01-01T00:00:00Z", "session_id": "x", "account": "AC-1"}, "address"),
        (
            "radius",
            {"event": "stop", "time": "2025-01-01T00:00:00Z", "session_id": "nope", "address": "198.51.100.1"},
            "session_id",
        ),
        ("static", {"prefix": "192.0.2.1/24", "account": "AC-1"}, "prefix"),
        ("static", {"prefix": "192.0.2.0/24", "username": "nobody-here"}, "username"),
        ("dhcp", {"address": "192.0.2.1", "start": "2025-01-01T00:00:00Z", "account": "!!"}, "account"),
    ],
)
def test_bad_rows_of_each_kind_name_the_field(ctx: AbuseContext, kind: str, row: dict[str, object], field: str) -> None:
    with pytest.raises(AssignmentsRejected) as rejected, ctx.desk("test") as desk:
        import_rows(desk.uow, kind, [row])
    assert [e.field for e in rejected.value.report.errors] == [field]


def test_csv_and_json_files(ctx: AbuseContext, tmp_path: Path) -> None:
    csv_file = tmp_path / "leases.csv"
    csv_file.write_text(
        "address,start,end,account,mac\n203.0.113.20,2025-01-15T00:00:00Z,2025-01-16T00:00:00Z,AC-20,00:11:22:33:44:55\n"
    )
    json_file = tmp_path / "static.json"
    json_file.write_text(
        json.dumps({"records": [{"prefix": "2001:db8:99::/48", "account": "AC-21", "start": "2020-01-01T00:00:00Z"}]})
    )
    with ctx.desk("test") as desk:
        import_rows(desk.uow, "dhcp", read_rows(csv_file))
        import_rows(desk.uow, "static", read_rows(json_file))
    assert _at(ctx, "203.0.113.20")[1] == "AC20"
    assert _at(ctx, "2001:db8:99:1::5")[1] == "AC21"
    with pytest.raises(ValueError, match=r"use a \.csv or \.json"):
        list(read_rows(tmp_path / "leases.txt"))


_addresses = (f"10.{i // 250}.{i % 250}.1" for i in itertools.count())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spans=st.lists(
        st.tuples(st.integers(-800 * 86_400, 10 * 86_400), st.one_of(st.none(), st.integers(0, 700 * 86_400))),
        min_size=1,
        max_size=8,
    ),
    skew=st.integers(0, 3600),
)
def test_the_tiered_index_finds_exactly_the_overlapping_records(
    ctx: AbuseContext, spans: list[tuple[int, int | None]], skew: int
) -> None:
    """Whatever the durations (seconds to years, or still open), the lookup sees what a full scan would."""
    address = next(_addresses)
    t = int(T.timestamp())
    rows = []
    for i, (offset, length) in enumerate(spans):
        start = t + offset
        end = None if length is None else start + length
        rows.append({"address": address, "account": f"PR-{i}", "start": str(start), "end": "" if end is None else str(end)})
    assign(ctx, "dhcp", rows)
    expected = {f"PR{i}" for i, (o, n) in enumerate(spans) if t + o <= t + skew and (n is None or t + o + n >= t - skew)}
    with ctx.desk("test") as desk:
        found = lookup(desk.uow.session, address, T, skew=timedelta(seconds=skew))
    if not expected:
        assert found.answer is Answer.UNASSIGNED
    elif len(expected) == 1:
        assert (found.answer, found.account_number) == (Answer.ONE, expected.pop())
    else:
        assert found.answer is Answer.AMBIGUOUS and set(found.accounts) == expected


def test_remembered_prefix_lengths_are_checked_by_every_lookup(ctx: AbuseContext) -> None:
    """The per-process memory of prefix lengths (and a caller's own) is a guess the statement checks, never trusted."""
    assign(ctx, "dhcp", [lease("192.0.2.140", "PL-1", "2025-01-15T00:00:00Z", "2025-01-16T00:00:00Z")])
    with ctx.desk("test") as desk:
        first = lookup(desk.uow.session, "192.0.2.141", T, skew=SKEW)
    assert first.answer is Answer.NOT_OURS and first.lengths == (32,)
    # another import brings a new prefix length; the remembered (32,) is now stale
    assign(ctx, "static", [{"prefix": "192.0.2.136/29", "account": "PL-2", "start": "2024-01-01T00:00:00Z"}])
    assert _at(ctx, "192.0.2.141")[:2] == (Answer.ONE, "PL2")
    with ctx.desk("test") as desk:
        session = desk.uow.session
        stale = lookup(session, "192.0.2.141", T, skew=SKEW, lengths=[32])
        foreign = lookup(session, "192.0.2.141", T, skew=SKEW, lengths=[56])  # another family's lengths, say
        extra = lookup(session, "192.0.2.140", T, skew=SKEW, lengths=[32, 29, 24])
    assert (stale.answer, stale.account_number, stale.lengths) == (Answer.ONE, "PL2", (32, 29))
    assert (foreign.answer, foreign.account_number) == (Answer.ONE, "PL2")
    assert extra.answer is Answer.AMBIGUOUS and set(extra.accounts) == {"PL1", "PL2"} and extra.lengths == (32, 29)


def test_a_network_declared_after_a_lookup_makes_the_address_ours(ctx: AbuseContext) -> None:
    assert _at(ctx, "203.0.113.50")[0] is Answer.NOT_OURS
    assert _at(ctx, "2001:db8:77::1")[0] is Answer.NOT_OURS
    with ctx.desk("test") as desk:
        add_network(desk.uow, "203.0.113.0/24", "residential pool")
        add_network(desk.uow, "2001:db8:77::/48", "v6 pool")
    assert _at(ctx, "203.0.113.50")[0] is Answer.UNASSIGNED
    assert _at(ctx, "2001:db8:77::1")[0] is Answer.UNASSIGNED
    assert _at(ctx, "203.0.114.50")[0] is Answer.NOT_OURS
    with ctx.desk("test") as desk:
        add_network(desk.uow, "203.0.112.0/22", "the wider block")
    assert _at(ctx, "203.0.114.50")[0] is Answer.UNASSIGNED


def test_an_ipv4_mapped_address_is_looked_up_as_ipv4(ctx: AbuseContext) -> None:
    assign(ctx, "dhcp", [lease("192.0.2.150", "MA-1", "2025-01-15T00:00:00Z", "2025-01-16T00:00:00Z")])
    assert _at(ctx, "::ffff:192.0.2.150")[:2] == (Answer.ONE, "MA1")
