"""The ladder as the packs define it: warning, suspension, termination; immediate grounds; reactivation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from privet.abuse import ladder, review
from privet.abuse.desk import AbuseError
from privet.abuse.service import AbuseContext
from privet.abuse.tables import AbuseAction, AbuseCase
from privet.runtime import Runtime
from privet.subjects.tables import Account
from tests.abuse.conftest import (
    METROFAX,
    Clock,
    assign,
    audited,
    complaint,
    copyright_notice,
    lease,
    outbox,
    runtime_with,
    subscriber,
)

IP = "192.0.2.10"


def _status(ctx: AbuseContext, number: str) -> str:
    with ctx.factory() as session:
        return session.scalars(select(Account.status).where(Account.number == number)).one()


def _long_lease(ctx: AbuseContext, account: str, ip: str = IP) -> None:
    assign(ctx, "dhcp", [lease(ip, account, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z")])


@pytest.mark.promise("000-P052", "000-P053", "000-P054", "000-P057", "000-P079", "000-P025")
def test_a_subscriber_who_keeps_receiving_valid_notices_walks_the_whole_ladder(
    runtime: Runtime, ctx: AbuseContext, clock: Clock
) -> None:
    number = subscriber(runtime, "LAD-100")
    _long_lease(ctx, "LAD-100")
    steps = []
    for day in range(1, 5):
        clock.now = datetime(2025, 2, day, 11, tzinfo=UTC)
        result = ctx.ingest([(copyright_notice(f"L{day}", f"2025-02-0{day}T10:00:00Z"), "smtp")], "test")[0]
        assert result.status == "filed" and result.strike_id is not None
        steps.append((result.step, _status(ctx, number)))
    assert steps == [
        ("warning", "active"),
        ("temporary_suspension", "suspended"),
        ("termination", "disconnected"),
        (None, "disconnected"),
    ]
    kinds = [m.kind for m in outbox(ctx) if m.recipient == "lad-100@example.net"]
    assert kinds == ["abuse.step.warning", "abuse.step.temporary_suspension", "abuse.step.termination", "abuse.notice_forwarded"]
    suspension = outbox(ctx, "abuse.step.temporary_suspension")[0]
    assert "The suspension ends on" in suspension.body and "Strikes on your account: 2" in suspension.body
    with ctx.factory() as session:
        case = session.scalars(select(AbuseCase).where(AbuseCase.account_number == number)).one()
        assert (case.notice_count, case.strike_count) == (4, 4)
    assert [c["to_status"] for c in audited(ctx, "account.status_changed")] == ["suspended", "disconnected"]


def test_a_burst_about_one_incident_is_one_strike_with_the_raw_count_beside_it(runtime: Runtime, ctx: AbuseContext) -> None:
    subscriber(runtime, "BUR-100")
    _long_lease(ctx, "BUR-100")
    results = [ctx.ingest([(copyright_notice(f"B{i}", f"2025-02-01T1{i}:00:00Z"), "smtp")], "test")[0] for i in range(3)]
    assert [r.strike_id is not None for r in results] == [True, False, False]
    assert "counted once" in (results[1].reason or "")
    with ctx.factory() as session:
        case = session.get(AbuseCase, results[0].case_id)
        assert case is not None and (case.notice_count, case.strike_count) == (3, 1)


def _confirmed(ctx: AbuseContext, text: str, prohibition: str) -> tuple[str, str | None]:
    (pending,) = ctx.ingest([(complaint(text), "api")], "test")
    with ctx.desk("desk:jo") as desk:
        routed = review.confirm(desk, pending.notice_id, note="verified", prohibition=prohibition)
    return routed.status, routed.reason


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # rule by rule is backend-neutral; PostgreSQL runs the rest
@pytest.mark.promise(
    "000-P005", "000-P006", "000-P007", "000-P008", "000-P009", "000-P010", "000-P011", "000-P012", "000-P014", "000-P015",
    "000-P016", "000-P017", "000-P018", "000-P019", "000-P020", "000-P021", "000-P022", "000-P023", "000-P028", "000-P029",
    "000-P036", "000-P037", "000-P038", "000-P039", "000-P040", "000-P041", "000-P042", "000-P043", "000-P044", "000-P045",
    "000-P046", "000-P051",
)  # fmt: skip
def test_every_prohibition_of_the_policy_is_enforced_on_the_account_behind_the_address(
    runtime: Runtime, ctx: AbuseContext
) -> None:
    """Each rule, confirmed by a person on a complaint, files a strike naming the rule on the account holding the address."""
    aup = runtime.pack.programs.acceptable_use
    assert aup is not None
    for i, rule in enumerate(aup.prohibited):
        account = f"PRO-{i:03d}"
        number = subscriber(runtime, account)
        ip = f"198.51.100.{i + 1}"
        assign(ctx, "dhcp", [lease(ip, account, "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z")])
        status, reason = _confirmed(ctx, f"Abuse from {ip} on 2025-02-01T10:00:00Z", rule.id)
        assert status == "filed", (rule.id, reason)
        with ctx.factory() as session:
            case = session.scalars(select(AbuseCase).where(AbuseCase.account_number == number)).one()
        if rule.kind == "open_wifi":
            assert case.reminders == 1 and case.strike_count == 0, rule.id
            continue
        assert case.strike_count == 1, rule.id
        warning = [m for m in outbox(ctx, "abuse.step.warning") if m.recipient == f"{account.lower()}@example.net"]
        assert len(warning) == 1 and rule.description in warning[0].body, rule.id
    # the server rule binds residential service only
    subscriber(runtime, "BIZ-100", kind="business")
    assign(ctx, "dhcp", [lease("198.51.100.250", "BIZ-100", "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z")])
    status, reason = _confirmed(ctx, "open resolver on 198.51.100.250 at 2025-02-01T10:00:00Z", "residential-servers")
    assert status == "filed" and "residential accounts only" in (reason or "")


@pytest.mark.promise("000-P032", "000-P033", "000-P034", "000-P035", "000-P027", "000-P077", "000-P078")
def test_our_own_wifi_scanner_reports_draw_a_reminder_before_any_strike(runtime: Runtime, ctx: AbuseContext) -> None:
    import json

    subscriber(runtime, "WIF-100")
    _long_lease(ctx, "WIF-100", "192.0.2.44")

    def scan(day: int) -> bytes:
        report = {
            "xarf_version": "4.2.0",
            "report_id": f"wifi-scan-{day}",
            "timestamp": f"2025-02-0{day}T03:00:00Z",
            "reporter": {"org": "Metronet network monitoring", "contact": "noc@metronet.example"},
            "category": "infrastructure",
            "type": "open_wifi",
            "source_identifier": "192.0.2.44",
        }
        return json.dumps(report).encode()

    first, second = (ctx.ingest([(scan(d), "api")], "scanner")[0] for d in (1, 3))
    assert (first.status, first.strike_id, second.step) == ("filed", None, "warning")
    reminder = outbox(ctx, "abuse.reminder.open_wifi")
    assert len(reminder) == 1 and "WPA2" in reminder[0].body and "not a strike" in reminder[0].body


@pytest.mark.promise("000-P030", "000-P031")
def test_a_compromised_device_on_the_line_is_the_subscribers_to_secure(runtime: Runtime, ctx: AbuseContext) -> None:
    """A botnet report about the address files against the account holding it, as the policy makes the
    customer answer for the security of what they connect; the warning names the prohibition."""
    import json

    number = subscriber(runtime, "BOT-100")
    _long_lease(ctx, "BOT-100", "192.0.2.66")
    report = {
        "xarf_version": "4.2.0",
        "report_id": "bot-2025-02-04",
        "timestamp": "2025-02-04T09:15:00Z",
        "reporter": {"org": "A botnet sinkhole", "contact": "reports@sinkhole.example"},
        "category": "malware",
        "type": "botnet",
        "source_identifier": "192.0.2.66",
    }
    [result] = ctx.ingest([(json.dumps(report).encode(), "api")], "sinkhole")
    assert (result.status, result.step) == ("filed", "warning") and result.strike_id is not None
    with ctx.factory() as session:
        case = session.scalars(select(AbuseCase).where(AbuseCase.account_number == number)).one()
    assert (case.kind, case.strike_count) == ("malware", 1)
    aup = runtime.pack.programs.acceptable_use
    assert aup is not None
    rule = next(r for r in aup.prohibited if r.id == "malware")
    [warning] = [m for m in outbox(ctx, "abuse.step.warning") if m.recipient == "bot-100@example.net"]
    assert rule.description in warning.body


@pytest.mark.promise("000-P081", "000-P082", "000-P083", "000-P084", "000-P085", "000-P053")
def test_immediate_action_on_each_ground_the_policy_names(runtime: Runtime, ctx: AbuseContext) -> None:
    aup = runtime.pack.programs.acceptable_use
    assert aup is not None
    for i, ground in enumerate(aup.immediate_grounds):
        number = subscriber(runtime, f"IMM-{i:02d}")
        with ctx.desk("desk:jo") as desk:
            case = desk.case(number, "network_attack")
            action = ladder.immediate(
                desk, desk.need_account(number), case, ground, "terminate" if i == 0 else "suspend", "DDoS from this line"
            )
        assert action.to_status == ("disconnected" if i == 0 else "suspended") and action.ground == ground
    assert len(outbox(ctx, "abuse.immediate_")) == len(aup.immediate_grounds)
    number = subscriber(runtime, "IMM-99")
    with pytest.raises(AbuseError, match="not a ground"), ctx.desk("desk:jo") as desk:
        ladder.immediate(desk, desk.need_account(number), None, "we felt like it", "suspend", "no")
    assert _status(ctx, number) == "active"


def test_a_terminated_account_comes_back_only_with_a_reason_and_an_allowed_role(runtime: Runtime, ctx: AbuseContext) -> None:
    number = subscriber(runtime, "REA-100")
    _long_lease(ctx, "REA-100")
    for day in (1, 2, 3):
        ctx.ingest([(copyright_notice(f"R{day}", f"2025-02-0{day}T10:00:00Z"), "smtp")], "test")
    assert _status(ctx, number) == "disconnected"
    with pytest.raises(PermissionError), ctx.desk("desk:jo") as desk:
        ladder.reactivate(desk, desk.need_account(number), "customer promised", "abuse_desk")
    with pytest.raises(AbuseError, match="recorded reason"), ctx.desk("admin:al") as desk:
        ladder.reactivate(desk, desk.need_account(number), "  ", "admin")
    assert _status(ctx, number) == "disconnected"
    with ctx.desk("admin:al") as desk:
        ladder.reactivate(desk, desk.need_account(number), "court found the notices defective", "admin")
    assert _status(ctx, number) == "active"
    (entry,) = audited(ctx, "abuse.reactivated")
    assert (entry["role"], entry["reason"]) == ("admin", "court found the notices defective")
    result = ctx.ingest([(copyright_notice("R4", "2025-02-05T10:00:00Z"), "smtp")], "test")[0]
    assert result.step == "termination" and _status(ctx, number) == "disconnected"


def test_a_temporary_suspension_ends_on_time(runtime: Runtime, ctx: AbuseContext, clock: Clock) -> None:
    number = subscriber(runtime, "SUS-100")
    _long_lease(ctx, "SUS-100")
    for day in (1, 2):
        ctx.ingest([(copyright_notice(f"S{day}", f"2025-02-0{day}T10:00:00Z"), "smtp")], "test")
    assert _status(ctx, number) == "suspended"
    with ctx.desk("worker") as desk:
        assert ladder.resume_due(desk) == []
    clock.advance(days=7, minutes=1)
    with ctx.desk("worker") as desk:
        assert len(ladder.resume_due(desk)) == 1
    assert _status(ctx, number) == "active"
    assert outbox(ctx, "abuse.service_restored")[0].recipient == "sus-100@example.net"


@pytest.mark.promise("002-P050", "002-P052", "002-P053")
def test_metrofax_zero_tolerance_for_junk_faxes(engine: object, factory: object, settings: object, clock: Clock) -> None:
    runtime = runtime_with(engine, factory, METROFAX)  # type: ignore[arg-type]
    ctx = AbuseContext(runtime.factory, runtime.pack, settings, clock)  # type: ignore[arg-type]
    number = subscriber(runtime, "FAX-100", phones=["(316) 555-0199"])
    text = "We got a junk fax from fax number (316) 555-0199 on 02/01/2025 10:00 AM EST advertising cruises."
    (pending,) = ctx.ingest([(complaint(text), "api")], "test")
    assert pending.status == "review"
    with ctx.desk("desk:jo") as desk:
        routed = review.confirm(desk, pending.notice_id, note="fax log matches")
    assert (routed.status, routed.step) == ("filed", "temporary_suspension") and _status(ctx, number) == "suspended"
    (second,) = ctx.ingest([(complaint(text.replace("02/01/2025", "02/03/2025")), "api")], "test")
    with ctx.desk("desk:jo") as desk:
        routed = review.confirm(desk, second.notice_id, note="again", prohibition="excessive-load")
    assert routed.step == "termination" and _status(ctx, number) == "disconnected"
    with ctx.factory() as session:
        steps = list(session.scalars(select(AbuseAction.step).order_by(AbuseAction.id)))
    assert steps == ["temporary_suspension", "termination"]
    _ = timedelta
