"""Intake end to end: every real sample is ingested, attributed, filed and answered; repeats and hostile input too."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from privet.abuse.intake import IntakeResult
from privet.abuse.service import AbuseContext
from privet.abuse.tables import AbuseCase, AbuseEvidence, AbuseNotice
from privet.runtime import Runtime
from tests.abuse.conftest import assign, audited, copyright_notice, lease, letter, outbox, pgp_inline, sample, subscriber
from tests.abuse.test_parsers import BOMB, XXE

# (sample, address, event day, subscriber account) for every real sample in ../shared/samples
SAMPLES = [
    ("acns-ipechelon-paramount-314620451.xml", "192.168.2.200", "2015-11-13", "IPE-100"),
    ("acns-irdeto-starz-312-200234534.xml", "10.0.2.100", "2015-09-04", "IRD-100"),
    ("acns-1.2-full-example-parse-acns.xml", "168.1.1.145", "2008-08-30", "ACN-100"),
    ("xarf-v3-copyright-sample.json", "192.0.2.55", "2018-02-05", "XAT-100"),
    ("xarf-v4-copyright-p2p.json", "192.0.2.100", "2025-01-11", "XAF-100"),
    ("arf-rfc5965-sisimai-arf-01.eml", "192.0.2.89", "2009-04-29", "ARF-100"),
]


def _subscribers(runtime: Runtime, ctx: AbuseContext) -> None:
    rows = []
    for _, address, day, account in SAMPLES:
        subscriber(runtime, account)
        rows.append(lease(address, account, f"{day}T00:00:00Z", f"{day}T23:59:59Z"))
    assign(ctx, "dhcp", rows)


def _wrapped(name: str) -> bytes:
    raw = sample(name)
    if name.startswith("acns-irdeto"):
        return pgp_inline(raw)
    if name.endswith(".json"):
        return letter(raw, filename="report.json", mime="application/json", message_id=f"<{name}@complainant.example>")
    if name.endswith(".xml"):
        return letter(raw, message_id=f"<{name}@complainant.example>")
    return raw


def _one(ctx: AbuseContext, raw: bytes, channel: str = "file") -> IntakeResult:
    (result,) = ctx.ingest([(raw, channel)], "test")
    return result


@pytest.mark.promise("000-P054", "000-P052", "000-P057")
def test_every_real_sample_in_a_complete_letter_is_filed_and_forwarded(runtime: Runtime, ctx: AbuseContext) -> None:
    _subscribers(runtime, ctx)
    for name, _, _, account in SAMPLES:
        result = _one(ctx, _wrapped(name))
        assert result.status == "filed", (name, result)
        assert result.strike_id is not None and result.step == "warning", name
        with ctx.factory() as session:
            case = session.get(AbuseCase, result.case_id)
            assert case is not None and case.account_number == account.replace("-", "")
            assert case.kind == ("spam" if name.startswith("arf") else "copyright")
        warnings = [m for m in outbox(ctx, "abuse.step.warning") if m.recipient == f"{account.lower()}@example.net"]
        assert len(warnings) == 1, name
        assert result.reply == (None if name.startswith("arf") else "forwarded"), name
    replies = outbox(ctx, "abuse.reply.forwarded")
    assert {m.recipient for m in replies} >= {
        "copyright@ip-echelon.com",
        "starz_media@copyright-compliance.com",
        "notice@scannervendor.com",
    }


@pytest.mark.promise("000-P060", "000-P061", "000-P065", "000-P066")
def test_every_bare_real_copyright_sample_is_deficient_answered_and_counts_against_no_one(
    runtime: Runtime, ctx: AbuseContext
) -> None:
    _subscribers(runtime, ctx)
    for name, _, _, _ in SAMPLES:
        result = _one(ctx, sample(name))
        if name.startswith("arf"):
            assert (result.status, result.reply) == ("filed", None)  # feedback loops get no reply
            continue
        assert (result.status, result.reply, result.case_id, result.strike_id) == (
            "deficient",
            "insufficient_information",
            None,
            None,
        ), name
        assert "good_faith" in (result.reason or "") and "accuracy_and_authority" in (result.reason or "")
        # the full example's TextNotice ends "Best Regards,\nJon": a typed name is an electronic signature
        assert ("signature" in (result.reason or "")) is (not name.startswith("acns-1.2-full")), name
    replies = outbox(ctx, "abuse.reply.insufficient_information")
    assert len(replies) == 5
    assert runtime.pack.programs.copyright is not None
    assert all(runtime.pack.programs.copyright.notice_elements[4] in m.body for m in replies)
    assert not outbox(ctx, "abuse.step.warning")[1:]  # only the ARF report made a strike


def test_a_corrected_resend_of_a_deficient_notice_is_accepted(runtime: Runtime, ctx: AbuseContext) -> None:
    _subscribers(runtime, ctx)
    assert _one(ctx, sample("acns-ipechelon-paramount-314620451.xml")).status == "deficient"
    assert _one(ctx, _wrapped("acns-ipechelon-paramount-314620451.xml")).status == "filed"
    with ctx.factory() as session:
        keys = list(session.scalars(select(AbuseNotice.case_key).order_by(AbuseNotice.id)))
    assert keys == [None, "ip-echelon.com|314620451"]


def test_the_same_notice_twice_is_recorded_once(runtime: Runtime, ctx: AbuseContext) -> None:
    _subscribers(runtime, ctx)
    raw = _wrapped("acns-ipechelon-paramount-314620451.xml")
    first = _one(ctx, raw, "smtp")
    again = _one(ctx, raw, "maildir")
    same_message_id = _one(ctx, raw.replace(b"Rights Agent", b"Rights  Agent"), "api")
    same_case = _one(ctx, raw.replace(b"<n1@complainant.example>", b"<other@complainant.example>"))
    assert [r.status for r in (first, again, same_message_id, same_case)] == ["filed", "duplicate", "duplicate", "duplicate"]
    assert {r.duplicate_of for r in (again, same_message_id, same_case)} == {first.notice_id}
    batch = ctx.ingest([(raw, "file"), (raw, "file")], "test")
    assert [r.status for r in batch] == ["duplicate", "duplicate"]
    with ctx.factory() as session:
        assert len(session.scalars(select(AbuseNotice)).all()) == 1
    assert len(audited(ctx, "abuse.notice_duplicate")) == 5


def test_hostile_input_is_refused_recorded_kept_and_does_not_stop_the_batch(runtime: Runtime, ctx: AbuseContext) -> None:
    _subscribers(runtime, ctx)
    good = _wrapped("acns-ipechelon-paramount-314620451.xml")
    results = ctx.ingest([(BOMB, "smtp"), (XXE, "smtp"), (b"\x00\xff" * 50, "api"), (good, "smtp")], "test")
    assert [r.status for r in results] == ["refused", "refused", "refused", "filed"]
    assert "entity" in (results[0].reason or "")
    with ctx.factory() as session:
        for result, raw in zip(results, (BOMB, XXE, b"\x00\xff" * 50, good), strict=True):
            evidence = session.get(AbuseEvidence, result.notice_id)
            notice = session.get(AbuseNotice, result.notice_id)
            assert evidence is not None and notice is not None
            assert bytes(evidence.raw) == raw and notice.sha256 == hashlib.sha256(raw).hexdigest()
    assert len(audited(ctx, "abuse.notice_refused")) == 3


def test_answers_for_addresses_that_are_not_ours_too_old_or_shared(runtime: Runtime, ctx: AbuseContext) -> None:
    from dataclasses import replace
    from datetime import timedelta

    subscriber(runtime, "CGN-100")
    subscriber(runtime, "CGN-200")
    assign(
        ctx,
        "cgnat",
        [
            {
                "address": "198.51.100.7",
                "port_first": 1024,
                "port_last": 2047,
                "start": "2025-01-01T00:00:00Z",
                "account": "CGN-100",
            },
            {
                "address": "198.51.100.7",
                "port_first": 2048,
                "port_last": 3071,
                "start": "2025-01-01T00:00:00Z",
                "account": "CGN-200",
            },
        ],
    )
    xml = sample("acns-ipechelon-paramount-314620451.xml")
    foreign = _one(ctx, letter(xml.replace(b"192.168.2.200", b"8.8.4.4"), message_id="<f@x.example>"))
    assert (foreign.status, foreign.reply) == ("unattributed", "not_our_address")
    shared = (
        xml.replace(b"192.168.2.200", b"198.51.100.7").replace(b"2015-11-13", b"2025-01-20").replace(b"<Port>35657</Port>", b"")
    )
    answer = _one(ctx, letter(shared.replace(b"314620451", b"777"), message_id="<s@x.example>"))
    assert (answer.status, answer.reply) == ("unattributed", "insufficient_information")
    assert "source port" in outbox(ctx, "abuse.reply.insufficient_information")[-1].body
    strict = AbuseContext(ctx.factory, ctx.pack, replace(ctx.settings, max_notice_age=timedelta(days=365)), ctx.clock)
    old = _one(strict, letter(xml.replace(b"314620451", b"888"), message_id="<o@x.example>"))
    assert (old.status, old.reply) == ("unattributed", "too_old")


@pytest.mark.promise("000-P024", "000-P013")
def test_a_person_decides_what_a_machine_cannot(runtime: Runtime, ctx: AbuseContext) -> None:
    account = subscriber(runtime, "TXT-100")
    assign(ctx, "dhcp", [lease("203.0.113.50", "TXT-100", "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z")])
    complaint = (
        b"From: Pat <pat@victim.example>\nSubject: spam\n\nYour customer at 203.0.113.50 spammed us on 2025-02-01T10:15:00Z.\n"
    )
    pending = _one(ctx, complaint)
    assert (pending.status, pending.strike_id) == ("review", None)
    from privet.abuse import review

    with ctx.desk("desk:jo") as desk:
        routed = review.confirm(desk, pending.notice_id, note="headers checked; our customer's relay")
    assert routed.status == "filed" and routed.strike_id is not None
    dismissed = _one(ctx, b"From: Pat <pat@victim.example>\n\nsomething bad happened, not sure where\n")
    with ctx.desk("desk:jo") as desk:
        review.dismiss(desk, dismissed.notice_id, "no address or time to act on")
    assert outbox(ctx, "abuse.reply.insufficient_information")[-1].recipient == "pat@victim.example"
    # ours but unassigned: a person investigates, and may find who used an address we never gave them
    with ctx.desk("test") as desk:
        from privet.abuse.assignments import add_network

        add_network(desk.uow, "203.0.113.0/24")
    squat = copyright_notice("SQ1", "2025-02-01T10:00:00Z", ip="203.0.113.99")
    held = _one(ctx, squat)
    assert held.status == "review" and "did not assign" in (held.reason or "")
    with ctx.desk("desk:jo") as desk:
        routed = review.confirm(
            desk, held.notice_id, note="MAC seen on TXT-100's line", prohibition="unassigned-ip-address", account_number=account
        )
    with ctx.factory() as session:
        notice = session.get(AbuseNotice, held.notice_id)
        assert notice is not None and (notice.status, notice.prohibition, notice.attribution) == (
            "filed",
            "unassigned-ip-address",
            "staff",
        )


def test_a_retraction_withdraws_the_notice_and_its_strike(runtime: Runtime, ctx: AbuseContext) -> None:
    _subscribers(runtime, ctx)
    raw = sample("acns-1.2-full-example-parse-acns.xml")
    filed = _one(ctx, letter(raw))
    retraction = raw.replace(b'Retraction="false"', b'Retraction="true"')
    withdrawn = _one(ctx, letter(retraction, message_id="<retract@complainant.example>"))
    assert (filed.status, withdrawn.status) == ("filed", "retraction")
    with ctx.factory() as session:
        original = session.get(AbuseNotice, filed.notice_id)
        assert original is not None and original.status == "withdrawn"
        case = session.get(AbuseCase, filed.case_id)
        assert case is not None and case.strike_count == 0


def test_a_row_built_from_column_values_refuses_a_name_that_is_not_a_column(ctx: AbuseContext) -> None:
    """`Desk.new` skips the ORM constructor, not its check: a misspelt column is an error, nothing is written."""
    with ctx.desk("test") as desk:
        case = desk.new(AbuseCase, account_number="X1", kind="spam", opened_at=desk.now(), updated_at=desk.now())
        assert case.id > 0 and case.kind == "spam" and case.notice_count is None  # the default comes at insert
        with pytest.raises(TypeError, match="AbuseCase has no column kinds"):
            desk.new(AbuseCase, account_number="X1", kinds="spam")
        desk.uow.session.rollback()


def test_the_collector_is_held_only_while_a_batch_is_written() -> None:
    """A drain pauses Python's cyclic collector per batch and always gives it back, even when the batch fails."""
    import gc

    from privet.abuse.maildir import collector_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the batch failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
