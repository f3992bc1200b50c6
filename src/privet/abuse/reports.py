"""Reports for the desk and for counsel: repeat infringers, volumes, and how fast subscribers hear.

The repeat-infringer report is the evidence that the 512(i) policy is "reasonably implemented"
(BMG v. Cox): who has how many strikes, what each step was and when. Volumes show who sends
what; latency shows the time from a notice's arrival to the subscriber's notice.
"""

from __future__ import annotations

from datetime import datetime
from statistics import quantiles
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from privet.abuse.tables import AbuseAction, AbuseCase, AbuseNotice, AbuseStrike
from privet.subjects.tables import Account


def repeat_infringers(
    session: Session, *, kind: str | None = "copyright", min_strikes: int = 1, now: datetime
) -> list[dict[str, Any]]:
    """Subscribers by active strikes (of `kind`, or of every kind), with removed strikes, raw notices and steps taken."""
    active = func.sum(
        case(
            (AbuseStrike.removed_at.is_(None) & ((AbuseStrike.expires_at.is_(None)) | (AbuseStrike.expires_at > now)), 1), else_=0
        )
    )
    removed = func.sum(case((AbuseStrike.removed_at.is_not(None), 1), else_=0))
    query = select(AbuseStrike.account_number, active.label("active"), removed.label("removed")).group_by(
        AbuseStrike.account_number
    )
    if kind is not None:
        query = query.where(AbuseStrike.kind == kind)
    rows = [r for r in session.execute(query) if int(r.active or 0) >= min_strikes]
    numbers = [r.account_number for r in rows]
    notices = dict(
        session.execute(
            select(AbuseCase.account_number, func.sum(AbuseCase.notice_count))
            .where(AbuseCase.account_number.in_(numbers), *([AbuseCase.kind == kind] if kind else []))
            .group_by(AbuseCase.account_number)
        ).all()
    )
    statuses = dict(session.execute(select(Account.number, Account.status).where(Account.number.in_(numbers))).all())
    steps: dict[str, list[dict[str, Any]]] = {n: [] for n in numbers}
    for action in session.scalars(select(AbuseAction).where(AbuseAction.account_number.in_(numbers)).order_by(AbuseAction.id)):
        steps[action.account_number].append(
            {
                "step": action.step,
                "at": action.at.isoformat(),
                "strikes": action.at_strikes,
                "revoked": action.revoked_at is not None,
            }
        )
    report = [
        {
            "account_number": r.account_number,
            "account_status": statuses.get(r.account_number),
            "strikes": int(r.active or 0),
            "strikes_removed": int(r.removed or 0),
            "notices": int(notices.get(r.account_number) or 0),
            "actions": steps[r.account_number],
        }
        for r in rows
    ]
    return sorted(report, key=lambda r: (-r["strikes"], r["account_number"]))


def volumes(session: Session, *, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Notices received in [since, until) by complainant, kind and outcome."""
    query = (
        select(AbuseNotice.complainant, AbuseNotice.kind, AbuseNotice.status, func.count(AbuseNotice.id))
        .where(AbuseNotice.received_at >= since, AbuseNotice.received_at < until)
        .group_by(AbuseNotice.complainant, AbuseNotice.kind, AbuseNotice.status)
    )
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for complainant, kind, status, count in session.execute(query):
        key = (complainant or "(unknown)", kind or "(none)")
        row = out.setdefault(key, {"complainant": key[0], "kind": key[1], "total": 0, "by_status": {}})
        row["total"] += count
        row["by_status"][status] = count
    return sorted(out.values(), key=lambda r: (-r["total"], r["complainant"], r["kind"]))


def latency(session: Session, *, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Seconds from a notice's receipt to its subscriber notice, per kind: count, median, 90th percentile, max."""
    query = select(AbuseNotice.kind, AbuseNotice.received_at, AbuseNotice.subscriber_notified_at).where(
        AbuseNotice.received_at >= since, AbuseNotice.received_at < until, AbuseNotice.status == "filed"
    )
    per_kind: dict[str, list[float]] = {}
    waiting: dict[str, int] = {}
    for kind, received, notified in session.execute(query):
        key = kind or "(none)"
        if notified is None:
            waiting[key] = waiting.get(key, 0) + 1
            continue
        per_kind.setdefault(key, []).append((notified - received).total_seconds())
    report = []
    for key in sorted(set(per_kind) | set(waiting)):
        values = sorted(per_kind.get(key, []))
        row: dict[str, Any] = {"kind": key, "notified": len(values), "not_notified": waiting.get(key, 0)}
        if values:
            cuts = quantiles(values, n=10, method="inclusive") if len(values) > 1 else [values[0]] * 9
            row.update(median_seconds=cuts[4], p90_seconds=cuts[8], max_seconds=values[-1])
        report.append(row)
    return report
