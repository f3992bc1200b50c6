"""Hosted content (personal web pages): take-down, counter-notice, restoration under 17 U.S.C. 512(g).

A valid notice about material on a page we host disables it at once and tells the subscriber
(material breaking the acceptable use policy is removed the same way, without the 512(g) path),
with what a counter-notice must contain (DMCA-02). A counter-notice with all four 512(g)(3)
elements is forwarded to the complainant and schedules restoration no sooner than 10 and no
later than 14 business days after it arrived, counted on the business-day calendar of the
subscriber's state (DMCA-03); a report that the complainant has filed suit, received before
restoration, keeps the material down until the action ends. Restoration also lifts the strike
the notice made: the counter-notice stood unanswered in court.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select

from privet.abuse import dmca, ladder, messages
from privet.abuse.desk import AbuseError, Conflict, Desk, NotFound
from privet.abuse.tables import AbuseCounterNotice, AbuseNotice, AbuseStrike, AbuseTakedown
from privet.regimes.calendar import add_business_days
from privet.subjects.tables import Account, ServiceLineRecord


def url_key(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{(parts.hostname or '').lower()}{parts.path}".rstrip("/")


def _prefixes(key: str) -> list[str]:
    """The identifiers a hosting line may have to cover `key`: its first one to eight path segments."""
    segments = key.split("/")
    return ["/".join(segments[: i + 1]) for i in range(min(len(segments), 8))]


def _live_lines(desk: Desk, identifiers: Iterable[str]) -> list[ServiceLineRecord]:
    query = select(ServiceLineRecord).where(
        ServiceLineRecord.kind == "hosting", ServiceLineRecord.ended_on.is_(None), ServiceLineRecord.identifier.in_(identifiers)
    )
    return list(desk.uow.session.scalars(query))


def _longest(lines: Iterable[ServiceLineRecord]) -> Account | None:
    ranked = sorted(lines, key=lambda s: len(s.identifier or ""), reverse=True)
    return ranked[0].account if ranked else None


def hosted_account(desk: Desk, url: str) -> Account | None:
    """The account whose hosting service line (identifier `host/path`) is the longest prefix of `url`."""
    key = url_key(url)
    if not key:
        return None
    if key in desk.hosted:
        return desk.hosted[key]
    return _longest(_live_lines(desk, _prefixes(key)))


def preload_hosted(desk: Desk, urls: Iterable[str]) -> None:
    """Answer `hosted_account` for a batch's URLs with one query instead of one per notice.

    Intake batches ask about every notice that names material; the answers are kept on the desk
    for its unit of work, in which no hosting line changes.
    """
    keys = {key for key in map(url_key, urls) if key and key not in desk.hosted}
    if not keys:
        return
    wanted = {key: _prefixes(key) for key in keys}
    lines = _live_lines(desk, sorted({p for prefixes in wanted.values() for p in prefixes}))
    for key, prefixes in wanted.items():
        desk.hosted[key] = _longest(line for line in lines if line.identifier in prefixes)


def take_down(desk: Desk, notice: AbuseNotice, account: Account) -> AbuseTakedown:
    assert notice.material_url is not None
    now = desk.now()
    takedown = desk.add(
        AbuseTakedown(
            notice_id=notice.id,
            account_number=account.number,
            material_url=notice.material_url,
            complainant_email=notice.reply_to,
            status="disabled",
            disabled_at=now,
        )
    )
    if notice.kind == "copyright":
        elements = "\n".join(f"  {i}. {e}" for i, e in enumerate(dmca.wording(desk.pack, dmca.COUNTER_ELEMENTS, counter=True), 1))
        body = (
            f"{desk.pack.provider.name} has disabled access to material on your web pages after a copyright notice.\n\n"
            f"{messages.describe_event(notice)}\n\nIf you believe the material was removed by mistake or misidentification, you may "
            f"send a counter-notice to our designated agent. It must include:\n{elements}\n\n{messages.agent_block(desk.pack)}"
        )
    else:
        rule = notice.facts.get("prohibition_text") or "our acceptable use policy"
        body = (
            f"{desk.pack.provider.name} has removed material from your web pages that breaks this rule: {rule}\n\n"
            f"{messages.describe_event(notice)}\n\nIf you believe this is wrong, reply to this message to dispute it."
        )
    messages.to_subscriber(
        desk,
        account,
        kind="abuse.takedown",
        subject="Material on your web pages was disabled",
        body=body,
        related=f"abuse_takedown:{takedown.id}",
    )
    notice.subscriber_notified_at = now
    desk.uow.record(
        "abuse.material_disabled",
        f"abuse_takedown:{takedown.id}",
        notice=notice.id,
        account=account.number,
        url=notice.material_url,
    )
    return takedown


def get(desk: Desk, takedown_id: int) -> AbuseTakedown:
    takedown = desk.uow.session.get(AbuseTakedown, takedown_id)
    if takedown is None:
        raise NotFound(f"no takedown {takedown_id}")
    return takedown


def counter_notice(desk: Desk, takedown_id: int, text: str) -> AbuseCounterNotice:
    """Check a counter-notice; forward a valid one and schedule restoration, or say what is missing."""
    takedown = get(desk, takedown_id)
    notice = desk.uow.session.get(AbuseNotice, takedown.notice_id)
    if notice is None or notice.kind != "copyright":
        raise Conflict(f"takedown {takedown.id} was not made on a copyright notice; counter-notices answer those only")
    if takedown.status != "disabled":
        raise Conflict(f"takedown {takedown.id} is {takedown.status}; a counter-notice is taken only while material is disabled")
    if not text.strip():
        raise AbuseError("the counter-notice is empty")
    now = desk.now()
    missing = dmca.missing(dmca.counter_notice_elements(text))
    counter = desk.add(
        AbuseCounterNotice(takedown_id=takedown.id, received_at=now, text=text[:200_000], valid=not missing, missing=missing)
    )
    account = desk.need_account(takedown.account_number)
    related = f"abuse_takedown:{takedown.id}"
    if missing:
        items = "\n".join(f"  - {w}" for w in dmca.wording(desk.pack, missing, counter=True))
        messages.to_subscriber(
            desk, account, kind="abuse.counter_notice_deficient", subject="Your counter-notice is incomplete",
            body=f"Your counter-notice cannot be acted on yet. It is missing:\n{items}\n\n{messages.agent_block(desk.pack)}", related=related,
        )  # fmt: skip
        desk.uow.record("abuse.counter_notice_deficient", related, counter=counter.id, missing=missing)
        return counter
    program = desk.pack.programs.copyright
    low, high = program.restore_after_counter_notice if program else (10, 14)
    takedown.status, takedown.counter_received_at = "counter_noticed", now
    takedown.restore_not_before = add_business_days(now, low, account.service_state)
    takedown.restore_by = add_business_days(now, high, account.service_state)
    counter.forwarded_message_id = _forward(desk, takedown, counter, low)
    messages.to_subscriber(
        desk, account, kind="abuse.counter_notice_accepted", subject="Your counter-notice was accepted",
        body=(f"We have sent your counter-notice to the complainant. Unless they tell us they have filed an action seeking a court order, "
              f"the material will be restored between {takedown.restore_not_before} and {takedown.restore_by}."),
        related=related,
    )  # fmt: skip
    desk.uow.record(
        "abuse.counter_notice_accepted",
        related,
        counter=counter.id,
        restore_not_before=str(takedown.restore_not_before),
        restore_by=str(takedown.restore_by),
    )
    return counter


def _forward(desk: Desk, takedown: AbuseTakedown, counter: AbuseCounterNotice, low: int) -> str | None:
    if not takedown.complainant_email or "@" not in takedown.complainant_email:
        desk.uow.record("abuse.counter_notice_unforwardable", f"abuse_takedown:{takedown.id}", counter=counter.id)
        return None
    body = (
        f"The subscriber has sent the counter-notice below about {takedown.material_url}, which we disabled on your notice.\n\n"
        f"We will restore the material in {low} business days, on or after {takedown.restore_not_before}, unless our designated agent "
        f"first receives notice that you have filed an action seeking a court order against the subscriber.\n\n"
        f"{messages.agent_block(desk.pack)}\n\n--- counter-notice ---\n{counter.text}"
    )
    return desk.uow.send(
        kind="abuse.counter_notice_forwarded", channel="email", recipient=takedown.complainant_email,
        subject=f"Counter-notice: {takedown.material_url}"[:500], body=body, related=f"abuse_takedown:{takedown.id}",
    )  # fmt: skip


def report_lawsuit(desk: Desk, takedown_id: int, detail: str) -> AbuseTakedown:
    """The complainant says it filed an action: the material stays down until it is resolved."""
    takedown = get(desk, takedown_id)
    if takedown.status != "counter_noticed":
        raise Conflict(f"takedown {takedown.id} is {takedown.status}; a lawsuit report stops only a scheduled restoration")
    if not detail.strip():
        raise AbuseError("say which action was filed (court and case number)")
    takedown.status, takedown.lawsuit_reported_at = "litigation", desk.now()
    account = desk.need_account(takedown.account_number)
    messages.to_subscriber(
        desk, account, kind="abuse.lawsuit_reported", subject="The material stays disabled: a court action was filed",
        body=f"The complainant has told us it filed an action seeking a court order ({detail}). The material stays disabled until it is resolved.",
        related=f"abuse_takedown:{takedown.id}",
    )  # fmt: skip
    desk.uow.record("abuse.lawsuit_reported", f"abuse_takedown:{takedown.id}", detail=detail[:500])
    return takedown


def restore_due(desk: Desk) -> list[AbuseTakedown]:
    """Restore every counter-noticed takedown whose earliest restoration day has come."""
    today = desk.now().date()
    query = select(AbuseTakedown).where(AbuseTakedown.status == "counter_noticed", AbuseTakedown.restore_not_before <= today)
    restored = []
    for takedown in desk.uow.session.scalars(query):
        takedown.status, takedown.restored_at = "restored", desk.now()
        account = desk.need_account(takedown.account_number)
        messages.to_subscriber(
            desk, account, kind="abuse.material_restored", subject="Material on your web pages was restored",
            body=f"No court action was reported, so access to {takedown.material_url} has been restored; you may replace the material.",
            related=f"abuse_takedown:{takedown.id}",
        )  # fmt: skip
        strike = desk.uow.session.scalars(
            select(AbuseStrike).where(AbuseStrike.notice_id == takedown.notice_id, AbuseStrike.removed_at.is_(None))
        ).first()
        if strike is not None:
            from privet.abuse.disputes import remove_strike

            remove_strike(desk, strike, "material restored after an unanswered counter-notice (512(g))")
            ladder.on_strike_removed(desk, account)
        late = takedown.restore_by is not None and today > takedown.restore_by
        desk.uow.record("abuse.material_restored", f"abuse_takedown:{takedown.id}", late=late)
        restored.append(takedown)
    return restored
