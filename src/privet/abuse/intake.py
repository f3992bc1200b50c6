"""Intake: keep the bytes, recognise repeats, parse, check, and route; never crash on what arrives.

Each notice is stored byte for byte (`abuse_evidence`) before anything is decided about it,
and refused input keeps its bytes too (the evidence of an attack), except input over the size
limit, of which only the digest and size are kept. The same notice delivered twice (same bytes,
same Message-ID, or the same sender's case id) is recorded once: the repeat is audited and
answered with the first notice's id. Batches share one unit of work, which is how the desk
keeps up with a feed of thousands of notices a second on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import or_, select

from privet.abuse import dmca, hosted, messages
from privet.abuse.desk import Desk
from privet.abuse.parse import ParsedNotice
from privet.abuse.prepare import Prepared, prepare_all
from privet.abuse.route import Routed, attribute, review, route, withdraw
from privet.abuse.tables import AbuseEvidence, AbuseNotice

CHANNELS = ("file", "api", "maildir", "smtp")
RESENDABLE = ("deficient", "refused")
STATUSES = ("refused", "deficient", "review", "unattributed", "not_actionable", "filed", "dismissed", "retraction", "withdrawn")


@dataclass(frozen=True)
class IntakeResult:
    notice_id: int
    status: str
    format: str
    reason: str | None = None
    duplicate_of: int | None = None
    case_id: int | None = None
    strike_id: int | None = None
    step: str | None = None
    takedown_id: int | None = None
    reply: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def record_oversized(desk: Desk, *, size: int, digest: str, channel: str, reason: str | None = None) -> IntakeResult:
    """Record input refused for its size without keeping it: only its digest (or a stand-in) and size."""
    existing = desk.uow.session.scalars(select(AbuseNotice.id).where(AbuseNotice.sha256 == digest)).first()
    if existing is not None:
        return IntakeResult(existing, "duplicate", "unknown", "already received", existing)
    why = reason or f"the notice is {size} bytes, more than the {desk.settings.max_message_bytes} allowed"
    notice = desk.add(
        AbuseNotice(
            received_at=desk.now(), channel=channel, sha256=digest, size=size, format="unknown", status="refused", reason=why[:500],
            confidence=0.0, facts={},
        )
    )  # fmt: skip
    desk.uow.record("abuse.notice_refused", f"abuse_notice:{notice.id}", reason=notice.reason, channel=channel, size=size)
    return IntakeResult(notice.id, "refused", "unknown", notice.reason)


def ingest(desk: Desk, raw: bytes, channel: str) -> IntakeResult:
    return ingest_batch(desk, prepare_all([(raw, channel)], desk.settings))[0]


def ingest_batch(desk: Desk, prepared: Sequence[Prepared]) -> list[IntakeResult]:
    """Ingest every item in this unit of work; each gets a result, refused or not.

    In three passes: record every notice (and settle the ones that need no subscriber: refused,
    deficient, to review, repeats), attribute the rest and load their subscribers' state in a
    few queries, then route them; everything is written in one flush at the end.
    """
    desk.deferred = True
    results: list[IntakeResult | None] = [None] * len(prepared)
    routable: list[tuple[int, AbuseNotice]] = []
    with desk.uow.session.no_autoflush:
        known, resendable = _known(desk, prepared)
        for index, item in enumerate(prepared):
            first = next((known[k] for k in item.keys if k in known), None)
            if first is not None:
                desk.uow.record("abuse.notice_duplicate", f"abuse_notice:{first}", channel=item.channel, sha256=item.sha256)
                results[index] = IntakeResult(
                    first, "duplicate", item.parsed.format if item.parsed else "unknown", "already received", first
                )
                continue
            for key in item.keys:
                if key in resendable:
                    _supersede(desk, resendable.pop(key), key)
            notice = _record(desk, item)
            settled = _screen(desk, notice, item)
            if settled is None:
                routable.append((index, notice))
            else:
                results[index] = settled
            for key in item.keys:
                (resendable if key[0] == "case_key" and notice.status in RESENDABLE else known)[key] = notice.id
        found = {
            notice.id: prepared[index].found if prepared[index].attributed else attribute(desk, notice)
            for index, notice in routable
        }
        hosted.preload_hosted(desk, [notice.material_url for _, notice in routable if notice.material_url])
        desk.preload(a.account_number for a in found.values() if a is not None and a.account_number)
        for index, notice in routable:
            results[index] = _result(notice, route(desk, notice, found=found[notice.id]))
    desk.settle()
    desk.deferred = False
    return [r for r in results if r is not None]


def _known(desk: Desk, prepared: Sequence[Prepared]) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Keys already received: repeats of them are duplicates, except that a sender may re-send a case
    whose first notice was deficient or refused (the second map), which then takes the case id over."""
    by_field: dict[str, set[str]] = {"sha256": set(), "message_id": set(), "case_key": set()}
    for item in prepared:
        for field, value in item.keys:
            by_field[field].add(value)
    query = select(AbuseNotice.id, AbuseNotice.status, AbuseNotice.sha256, AbuseNotice.message_id, AbuseNotice.case_key).where(
        or_(
            AbuseNotice.sha256.in_(by_field["sha256"]),
            AbuseNotice.message_id.in_(by_field["message_id"]),
            AbuseNotice.case_key.in_(by_field["case_key"]),
        )
    )
    known: dict[tuple[str, str], int] = {}
    resendable: dict[tuple[str, str], int] = {}
    for notice_id, status, sha, message_id, case_key in desk.uow.session.execute(query):
        known.setdefault(("sha256", sha), notice_id)
        if message_id is not None:
            known.setdefault(("message_id", message_id), notice_id)
        if case_key is not None:
            target = resendable if status in RESENDABLE else known
            target.setdefault(("case_key", case_key), notice_id)
    return known, resendable


def _supersede(desk: Desk, notice_id: int, key: tuple[str, str]) -> None:
    """Free a deficient or refused notice's case id for the corrected notice that re-sends it."""
    old = desk.uow.session.get(AbuseNotice, notice_id)
    if old is None:
        return
    old.facts = {**old.facts, "superseded_key": old.case_key}
    old.case_key = None
    desk.uow.session.flush()
    desk.uow.record("abuse.notice_superseded", f"abuse_notice:{old.id}", key=key[1])


def _record(desk: Desk, item: Prepared) -> AbuseNotice:
    parsed = item.parsed
    notice = desk.new(
        AbuseNotice,
        received_at=desk.now(),
        channel=item.channel,
        sha256=item.sha256,
        size=len(item.raw),
        format=parsed.format if parsed else "unknown",
        status="received",
        confidence=parsed.confidence if parsed else 0.0,
        **(_copied(parsed) if parsed is not None else {"facts": {}}),
    )
    if len(item.raw) <= desk.settings.max_message_bytes:
        desk.put(AbuseEvidence, notice_id=notice.id, raw=item.raw)
    return notice


def _copied(parsed: ParsedNotice) -> dict[str, Any]:
    """The notice's columns that come from what the parser read."""
    facts = {
        "subject": parsed.subject,
        "work_title": parsed.work_title,
        "material": parsed.material,
        "complainant_email": parsed.complainant_email,
        "complainant_phone": parsed.complainant_phone,
        "complainant_address": parsed.complainant_address,
        "time_assumed_utc": parsed.time_assumed_utc or None,
        "details": parsed.details or None,
    }
    return {
        "message_id": parsed.message_id,
        "case_key": parsed.case_key,
        "violation": parsed.violation,
        "complainant": (parsed.complainant or parsed.sender_key or "")[:300] or None,
        "reply_to": parsed.reply_to or parsed.complainant_email,
        "sender_case_id": parsed.sender_case_id,
        "source_ip": parsed.source_ip,
        "source_port": parsed.source_port,
        "source_number": parsed.source_number,
        "event_at": parsed.event_at,
        "material_url": parsed.material_url[:2000] if parsed.material_url else None,
        "facts": {k: v for k, v in facts.items() if v is not None},
    }


def _screen(desk: Desk, notice: AbuseNotice, item: Prepared) -> IntakeResult | None:
    """Settle what needs no subscriber (refused, retraction, deficient, to review); None means route it."""
    parsed = item.parsed
    if parsed is None:
        notice.status, notice.reason = "refused", (item.refusal or "refused")[:500]
        desk.uow.record(
            "abuse.notice_refused", f"abuse_notice:{notice.id}", reason=notice.reason, channel=item.channel, size=len(item.raw)
        )
        return _result(notice, Routed("refused", notice.reason))
    desk.uow.record("abuse.notice_received", f"abuse_notice:{notice.id}", format=notice.format, channel=item.channel)
    if parsed.retraction and notice.case_key:
        return _result(notice, withdraw(desk, notice, notice.case_key.removesuffix("|retraction")))
    if notice.violation == "copyright":
        found = parsed.dmca_elements if parsed.dmca_elements is not None else dmca.notice_elements(parsed)
        notice.facts = {**notice.facts, "dmca_elements": found}
        missing = dmca.missing(found)
        if missing:
            return _result(notice, deficient(desk, notice, missing))
    if parsed.needs_review:
        return _result(notice, review(desk, notice, parsed.review_reason or "needs review"))
    return None


def deficient(desk: Desk, notice: AbuseNotice, missing: list[str]) -> Routed:
    """A copyright notice without all six elements: recorded, answered with what is missing, held against no one."""
    notice.status = "deficient"
    notice.reason = f"missing 512(c)(3) elements: {', '.join(missing)}"
    desk.uow.record("abuse.notice_deficient", f"abuse_notice:{notice.id}", missing=missing)
    messages.reply(
        desk,
        notice,
        "insufficient_information",
        detail="A notice of claimed infringement must include all six elements of 17 U.S.C. 512(c)(3).",
        items=dmca.wording(desk.pack, missing),
    )
    return Routed("deficient", notice.reason)


def _result(notice: AbuseNotice, routed: Routed) -> IntakeResult:
    return IntakeResult(
        notice_id=notice.id,
        status=notice.status,
        format=notice.format,
        reason=notice.reason or routed.reason,
        case_id=routed.case_id,
        strike_id=routed.strike_id,
        step=routed.step,
        takedown_id=routed.takedown_id,
        reply=notice.reply,
    )
