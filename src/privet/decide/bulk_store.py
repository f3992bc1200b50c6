"""The facts of every stored person as SQL over the store itself (SQLite or PostgreSQL), for live audiences.

Each fact is derived exactly as `privet.decide.facts.load_facts` derives it for one person:
- the primary account is the person's first `holder` membership, else their first membership
  (first by membership id, the order the ORM loads them in);
- the state is the primary account's service state, else the person's own state;
- service lines are those of every account the person belongs to, not ended before the day;
- a choice counts as on record when the consent projection holds it with `effective_at <= at`;
- the CPNI opt-out notice is the projection's `cpni:opt_out_notice`, mailed when the latest
  notice event's evidence says so; accepted versions are the projection's `policy:` entries;
- the version data was collected under is the person's `policy_version_id`;
- the person's own subject kinds (`Person.kinds`, a JSON list) are matched in its JSON text, where
  each kind stands between quotes (kinds are dotted lowercase keys, so nothing in them is escaped);
- GPC is a signal of the request in a single decision; an audience has none, so it is false.
Only the columns the campaign's signature uses are joined in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import FromClause, String, and_, bindparam, case, cast, false, func, literal, or_, select

from privet.consent.ledger import CPNI_NOTICE, POLICY_ACCEPTANCE_PREFIX
from privet.consent.tables import ConsentEvent, ConsentState
from privet.decide.bulk_signature import Signature
from privet.decide.bulk_sql import FactColumns
from privet.subjects.tables import Account, AccountMember, Person, PolicyVersion, ServiceLineRecord


def store_facts(sig: Signature) -> FactColumns:
    person = Person.__table__
    member = AccountMember.__table__
    account = Account.__table__
    state_t = ConsentState.__table__
    time_type = state_t.c.effective_at.type
    date_type = ServiceLineRecord.__table__.c.ended_on.type
    at, day = sig.at, sig.at.date()

    first = (
        select(
            member.c.person_id,
            func.coalesce(func.min(case((member.c.role == "holder", member.c.id))), func.min(member.c.id)).label("mid"),
        )
        .group_by(member.c.person_id)
        .subquery("primary_membership")
    )
    pm = member.alias("pm")
    pa = account.alias("pa")
    source: FromClause = (
        person.outerjoin(first, first.c.person_id == person.c.id)
        .outerjoin(pm, pm.c.id == first.c.mid)
        .outerjoin(pa, pa.c.id == pm.c.account_id)
    )

    lines = _lines(sig, day)
    if lines is not None:
        source = source.outerjoin(lines, lines.c.person_id == person.c.id)
    consent = _consent(sig, at)
    if consent is not None:
        source = source.outerjoin(consent, consent.c.person_id == person.c.id)
    mailed: Any = literal(False)
    if sig.uses_notice:
        notice_event = _latest_notice_event()
        source = source.outerjoin(notice_event, notice_event.c.person_id == person.c.id)
        mailed = notice_event.c.mailed
    version: Any = literal(None)
    if sig.governing:
        pv = PolicyVersion.__table__.alias("pv")
        source = source.outerjoin(pv, pv.c.id == person.c.policy_version_id)
        version = pv.c.version

    def line_code(kind: str) -> Any:
        return func.coalesce(lines.c[f"line_{sig.lines.index(kind)}"], 0) if lines is not None else literal(0)

    def choice_code(cid: str, fallback: Any) -> Any:
        tri = func.coalesce(consent.c[f"choice_{sig.choices.index(cid)}"], 0) if consent is not None else literal(0)
        return tri if fallback is None else case((tri == 2, 1), (tri == 1, 0), else_=fallback)

    own_kinds = cast(person.c.kinds, String)  # JSON text: each kind appears quoted, e.g. ["prospect", "visitor"]

    def has_kind_within(key: str) -> Any:
        return or_(own_kinds.contains(f'"{key}"', autoescape=True), own_kinds.contains(f'"{key}.', autoescape=True))

    def accepted(_version: str) -> Any:
        return func.coalesce(consent.c.accepted, 0) == 1 if consent is not None else false()

    return FactColumns(
        source=source,
        person_id=person.c.id,
        state=case((and_(pa.c.service_state.is_not(None), pa.c.service_state != ""), pa.c.service_state), else_=person.c.state),
        billing_state=pa.c.billing_state,
        birth_date=person.c.birth_date,
        age_band=person.c.age_band,
        account_type=pa.c.type,
        account_status=pa.c.status,
        parental_consent=person.c.parental_consent,
        gpc=false(),
        cpni_notice_at=consent.c.notice_at if consent is not None and sig.uses_notice else literal(None),
        cpni_notice_mailed=mailed,
        collected_under=version,
        line_code=line_code,
        choice_code=choice_code,
        accepted=accepted,
        has_kind_within=has_kind_within,
        date_value=lambda d: bindparam(None, d, type_=date_type),
        time_value=lambda t: bindparam(None, t, type_=time_type),
    )


def _lines(sig: Signature, day: date) -> Any:
    """Per person, 1 for each relevant kind of line they have on `day` on any of their accounts."""
    if not sig.lines:
        return None
    member = AccountMember.__table__
    line = ServiceLineRecord.__table__
    running = or_(line.c.ended_on.is_(None), line.c.ended_on >= day)
    columns = [
        func.max(case((and_(line.c.kind == kind, running), 1), else_=0)).label(f"line_{i}") for i, kind in enumerate(sig.lines)
    ]
    return (
        select(member.c.person_id, *columns)
        .select_from(member.join(line, line.c.account_id == member.c.account_id))
        .where(line.c.kind.in_(sig.lines))
        .group_by(member.c.person_id)
        .subquery("lines")
    )


def _consent(sig: Signature, at: datetime) -> Any:
    """Per person, each relevant choice's code at `at`, the CPNI notice moment, and acceptance of the current version."""
    accepted_key = POLICY_ACCEPTANCE_PREFIX + sig.decider.current.version
    wanted = list(sig.choices)
    if sig.uses_notice:
        wanted.append(CPNI_NOTICE)
    if sig.governing:
        wanted.append(accepted_key)
    if not wanted:
        return None
    cs = ConsentState.__table__
    columns: list[Any] = [
        func.max(case((and_(cs.c.choice_id == cid, cs.c.effective_at <= at), case((cs.c.value, 2), else_=1)), else_=0)).label(
            f"choice_{i}"
        )
        for i, cid in enumerate(sig.choices)
    ]
    if sig.uses_notice:
        columns.append(func.max(case((cs.c.choice_id == CPNI_NOTICE, cs.c.effective_at))).label("notice_at"))
    if sig.governing:
        columns.append(func.max(case((cs.c.choice_id == accepted_key, 1), else_=0)).label("accepted"))
    return select(cs.c.person_id, *columns).where(cs.c.choice_id.in_(wanted)).group_by(cs.c.person_id).subquery("choices")


def _latest_notice_event() -> Any:
    """Per person, whether their latest CPNI notice event says it was mailed."""
    ev = ConsentEvent.__table__
    latest = (
        select(ev.c.person_id, func.max(ev.c.id).label("eid"))
        .where(ev.c.choice_id == CPNI_NOTICE)
        .group_by(ev.c.person_id)
        .subquery()
    )
    ev2 = ev.alias("notice_event")
    return (
        select(latest.c.person_id, ev2.c.evidence["mailed"].as_boolean().label("mailed"))
        .select_from(latest.join(ev2, ev2.c.id == latest.c.eid))
        .subquery("notice")
    )
