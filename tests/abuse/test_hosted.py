"""Hosted content under 512(g): takedown, counter-notice, restoration in 10 to 14 business days, or a lawsuit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from privet.abuse import hosted, review
from privet.abuse.desk import Conflict
from privet.abuse.service import AbuseContext
from privet.abuse.tables import AbuseCase, AbuseTakedown
from privet.runtime import Runtime
from privet.subjects.tables import Account, ServiceLineRecord
from tests.abuse.conftest import ACNS_TEMPLATE, Clock, complaint, letter, outbox, subscriber
from tests.abuse.test_dmca import COUNTER

PAGE = "https://home.metronet.example/~sam/films/harbour.mp4"


def _hosting(ctx: AbuseContext, number: str, identifier: str = "home.metronet.example/~sam") -> None:
    with ctx.factory() as session, session.begin():
        account = session.scalars(select(Account).where(Account.number == number)).one()
        account.services.append(ServiceLineRecord(kind="hosting", identifier=identifier, started_on=date(2024, 1, 1)))


def _notice_about_page(case: str) -> bytes:
    xml = ACNS_TEMPLATE.format(case=case, when="2025-11-20T10:00:00Z", ip="192.0.2.1", port=80)
    xml = xml.replace("</Title>", f"</Title><URL>{PAGE}</URL>")
    return letter(xml.encode(), message_id=f"<{case}@northwind.example>", sender="Northwind <notices@northwind.example>")


def _takedown(ctx: AbuseContext, case: str) -> int:
    (result,) = ctx.ingest([(_notice_about_page(case), "smtp")], "test")
    assert result.status == "filed" and result.takedown_id is not None, result
    return result.takedown_id


@pytest.mark.promise("000-P055", "000-P056", "000-P059", "000-P072", "000-P074")
def test_takedown_counter_notice_and_restoration_in_business_days(runtime: Runtime, ctx: AbuseContext, clock: Clock) -> None:
    number = subscriber(runtime, "HOS-100", email="sam@example.net")
    _hosting(ctx, number)
    clock.now = datetime(2025, 11, 21, 9, tzinfo=UTC)
    takedown_id = _takedown(ctx, "H1")
    notice = outbox(ctx, "abuse.takedown")[0]
    assert notice.recipient == "sam@example.net" and PAGE in notice.body
    assert runtime.pack.programs.copyright is not None
    assert runtime.pack.programs.copyright.counter_notice_elements[2] in notice.body and "Regulatory Department" in notice.body
    assert outbox(ctx, "abuse.reply.forwarded")[0].recipient == "notices@northwind.example"

    with ctx.desk("desk:jo") as desk:
        incomplete = hosted.counter_notice(desk, takedown_id, COUNTER.replace("/s/ Sam Subscriber", ""))
    assert not incomplete.valid and incomplete.missing == ["signature"]
    assert "signature" in outbox(ctx, "abuse.counter_notice_deficient")[0].body

    clock.now = datetime(2025, 11, 26, 15, tzinfo=UTC)  # the day before Thanksgiving
    with ctx.desk("desk:jo") as desk:
        counter = hosted.counter_notice(desk, takedown_id, COUNTER)
        takedown = hosted.get(desk, takedown_id)
        assert counter.valid and takedown.status == "counter_noticed"
        assert (takedown.restore_not_before, takedown.restore_by) == (date(2025, 12, 11), date(2025, 12, 17))
    forwarded = outbox(ctx, "abuse.counter_notice_forwarded")[0]
    assert forwarded.recipient == "notices@northwind.example"
    assert "10 business days, on or after 2025-12-11" in forwarded.body and "penalty of perjury" in forwarded.body

    clock.now = datetime(2025, 12, 10, 23, tzinfo=UTC)
    with ctx.desk("worker") as desk:
        assert hosted.restore_due(desk) == []
    clock.now = datetime(2025, 12, 11, 8, tzinfo=UTC)
    with ctx.desk("worker") as desk:
        assert [t.id for t in hosted.restore_due(desk)] == [takedown_id]
    assert "may replace the material" in outbox(ctx, "abuse.material_restored")[0].body
    with ctx.factory() as session:
        case = session.scalars(select(AbuseCase).where(AbuseCase.account_number == number)).one()
        assert case.strike_count == 0


@pytest.mark.promise("000-P073")
def test_a_reported_lawsuit_keeps_the_material_down(runtime: Runtime, ctx: AbuseContext, clock: Clock) -> None:
    number = subscriber(runtime, "HOS-200")
    _hosting(ctx, number)
    clock.now = datetime(2025, 11, 21, 9, tzinfo=UTC)
    takedown_id = _takedown(ctx, "H2")
    with pytest.raises(Conflict, match="stops only a scheduled restoration"), ctx.desk("desk:jo") as desk:
        hosted.report_lawsuit(desk, takedown_id, "N.D. Cal. 5:25-cv-01234")
    with ctx.desk("desk:jo") as desk:
        hosted.counter_notice(desk, takedown_id, COUNTER)
    clock.now = datetime(2025, 12, 1, 9, tzinfo=UTC)
    with ctx.desk("agent") as desk:
        hosted.report_lawsuit(desk, takedown_id, "N.D. Cal. 5:25-cv-01234")
    clock.now = datetime(2026, 1, 15, 9, tzinfo=UTC)
    with ctx.desk("worker") as desk:
        assert hosted.restore_due(desk) == []
        assert hosted.get(desk, takedown_id).status == "litigation"
    with pytest.raises(Conflict), ctx.desk("desk:jo") as desk:
        hosted.counter_notice(desk, takedown_id, COUNTER)
    assert "stays disabled" in outbox(ctx, "abuse.lawsuit_reported")[0].body


@pytest.mark.promise("000-P026")
def test_objectionable_material_on_a_hosted_page_is_taken_down_without_a_512g_path(runtime: Runtime, ctx: AbuseContext) -> None:
    number = subscriber(runtime, "HOS-300")
    _hosting(ctx, number, "home.metronet.example/~kim")
    text = "The page https://home.metronet.example/~kim/rant.html threatens my family."
    (pending,) = ctx.ingest([(complaint(text), "api")], "test")
    assert pending.status == "review"
    with ctx.desk("desk:jo") as desk:
        routed = review.confirm(desk, pending.notice_id, note="threat confirmed", prohibition="threatening-material")
    assert routed.status == "filed" and routed.takedown_id is not None
    with ctx.factory() as session:
        takedown = session.get(AbuseTakedown, routed.takedown_id)
        assert takedown is not None and takedown.status == "disabled" and takedown.account_number == number
    with pytest.raises(Conflict, match="copyright notice"), ctx.desk("desk:jo") as desk:
        hosted.counter_notice(desk, routed.takedown_id, COUNTER)
