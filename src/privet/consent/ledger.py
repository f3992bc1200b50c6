"""Recording choices and signals, and projecting the current state from them.

Every write appends a `ConsentEvent` and updates the `ConsentState` projection in the same unit
of work, with an audit entry. `rebuild_projection` recomputes the projection from the ledger
alone; the two must always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from privet.consent.tables import ConsentEvent, ConsentState
from privet.consent.timing import legal_deadline, reask_allowed_from
from privet.decide.engine import legal_choices
from privet.policy.model import Choice, PolicyPack
from privet.regimes.base import ChoiceState
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person

CPNI_NOTICE = "cpni:opt_out_notice"
POLICY_ACCEPTANCE_PREFIX = "policy:"
SIGNAL_PREFIX = "signal:"
OPT_OUT_ANY_CHANNEL = True  # the law lets people revoke by any reasonable means (TCPA-01, CCPA-06)


class ConsentError(ValueError):
    pass


@dataclass(frozen=True)
class Recorded:
    event_id: int
    choice_id: str
    value: bool
    effective_at: datetime
    legal_deadline_at: datetime | None
    within_legal_deadline: bool | None


def _choice(pack: PolicyPack, choice_id: str) -> Choice:
    choice = pack.choice(choice_id) or next((c for c in legal_choices(pack) if c.id == choice_id), None)
    if choice is None:
        known = ", ".join(c.id for c in pack.choices)
        raise ConsentError(f"choice '{choice_id}' is not offered by policy {pack.pack.id} (offered: {known})")
    return choice


def record_choice(
    uow: UnitOfWork,
    pack: PolicyPack,
    *,
    person_id: int,
    choice_id: str,
    value: bool,
    channel: str,
    evidence: dict[str, Any] | None = None,
    identity: tuple[str, str] | None = None,
    received_at: datetime | None = None,
) -> Recorded:
    """Record a person's choice. Opt-outs take effect at once; opt-ins only through the choice's own channels."""
    choice = _choice(pack, choice_id)
    person = get_person(uow, person_id)
    received = received_at or uow.now()
    opting_in = value and choice.kind == "opt_in"
    if opting_in and channel not in choice.channels:
        raise ConsentError(f"'{choice.name}' is given through {', '.join(choice.channels)}, not {channel}")
    if not value and not OPT_OUT_ANY_CHANNEL and channel not in choice.channels:
        raise ConsentError(f"'{choice.name}' is not set through {channel}")
    kind = ("opt_in" if value else "opt_out") if choice.kind != "preference" else "preference"
    deadline = legal_deadline(choice, received) if not value else None
    event = _append(
        uow, person.id, choice_id, kind, value, channel, evidence or {}, identity, received, received, deadline, pack.pack.version
    )
    uow.record(
        "consent.recorded",
        f"person:{person.id}",
        choice=choice_id,
        value=value,
        channel=channel,
        event=event.id,
        legal_deadline_at=deadline.isoformat() if deadline else None,
    )
    return Recorded(
        event.id, choice_id, value, event.effective_at, deadline, None if deadline is None else event.effective_at <= deadline
    )


def record_policy_acceptance(
    uow: UnitOfWork, *, person_id: int, version: str, channel: str, evidence: dict[str, Any] | None = None
) -> int:
    """A person accepts a newer policy version; their older data may then be used under it (seed 002)."""
    person = get_person(uow, person_id)
    now = uow.now()
    event = _append(
        uow,
        person.id,
        POLICY_ACCEPTANCE_PREFIX + version,
        "policy_acceptance",
        True,
        channel,
        evidence or {},
        None,
        now,
        now,
        None,
        version,
    )
    uow.record("consent.policy_accepted", f"person:{person.id}", version=version, channel=channel)
    return event.id


def record_cpni_notice(uow: UnitOfWork, *, person_id: int, sent_at: datetime, mailed: bool) -> int:
    """The CPNI opt-out notice went to the person; opt-out approval counts 30 days later (33 when mailed)."""
    person = get_person(uow, person_id)
    event = _append(
        uow,
        person.id,
        CPNI_NOTICE,
        "notice",
        True,
        "mail" if mailed else "email",
        {"mailed": mailed},
        None,
        sent_at,
        sent_at,
        None,
        None,
    )
    uow.record("cpni.opt_out_notice_sent", f"person:{person.id}", mailed=mailed, sent_at=sent_at.isoformat())
    return event.id


def record_signal(uow: UnitOfWork, *, person_id: int, signal: str, channel: str, honoured: bool, evidence: dict[str, Any]) -> int:
    """A browser signal (GPC, DNT) as received, whether or not it changed anything."""
    now = uow.now()
    event = _append(uow, person_id, SIGNAL_PREFIX + signal, "signal", honoured, channel, evidence, None, now, now, None, None)
    uow.record("consent.signal", f"person:{person_id}", signal=signal, honoured=honoured)
    return event.id


def _append(
    uow: UnitOfWork,
    person_id: int,
    choice_id: str,
    kind: str,
    value: bool,
    channel: str,
    evidence: dict[str, Any],
    identity: tuple[str, str] | None,
    received_at: datetime,
    effective_at: datetime,
    deadline: datetime | None,
    policy_version: str | None,
) -> ConsentEvent:
    event = ConsentEvent(
        person_id=person_id,
        choice_id=choice_id,
        kind=kind,
        value=value,
        channel=channel,
        identity_kind=identity[0] if identity else None,
        identity_value=identity[1] if identity else None,
        actor=uow.actor,
        evidence=evidence,
        received_at=received_at,
        effective_at=effective_at,
        legal_deadline_at=deadline,
        expires_at=None,
        policy_version=policy_version,
    )
    uow.session.add(event)
    uow.session.flush()
    _project(uow, event)
    return event


def _project(uow: UnitOfWork, event: ConsentEvent) -> None:
    state = uow.session.get(ConsentState, (event.person_id, event.choice_id))
    if state is not None and state.effective_at > event.effective_at:
        return  # an older event arriving late never overrides a newer choice
    if state is None:
        state = ConsentState(person_id=event.person_id, choice_id=event.choice_id)
        uow.session.add(state)
    state.value = event.value
    state.effective_at = event.effective_at
    state.channel = event.channel
    state.event_id = event.id
    state.expires_at = event.expires_at


def current_choices(uow: UnitOfWork, person_id: int) -> dict[str, ChoiceState]:
    rows = uow.session.scalars(select(ConsentState).where(ConsentState.person_id == person_id))
    return {r.choice_id: ChoiceState(r.value, r.effective_at, r.channel) for r in rows}


def history(uow: UnitOfWork, person_id: int) -> list[ConsentEvent]:
    return list(uow.session.scalars(select(ConsentEvent).where(ConsentEvent.person_id == person_id).order_by(ConsentEvent.id)))


def rebuild_projection(uow: UnitOfWork) -> int:
    """Recompute every person's current choices from the ledger alone; returns the rows written."""
    uow.session.execute(delete(ConsentState))
    uow.session.flush()
    count = 0
    for event in uow.session.scalars(select(ConsentEvent).order_by(ConsentEvent.effective_at, ConsentEvent.id)):
        _project(uow, event)
        count += 1
    uow.session.flush()
    uow.record("consent.projection_rebuilt", None, events=count)
    return len(list(uow.session.scalars(select(ConsentState))))


def snapshot(uow: UnitOfWork) -> list[tuple[int, str, bool, datetime, str, int]]:
    rows = uow.session.scalars(select(ConsentState).order_by(ConsentState.person_id, ConsentState.choice_id))
    return [(r.person_id, r.choice_id, r.value, r.effective_at, r.channel, r.event_id) for r in rows]


def may_ask_to_opt_back_in(
    uow: UnitOfWork, pack: PolicyPack, person_id: int, choice_id: str, at: datetime
) -> tuple[bool, datetime | None]:
    """Whether the provider may ask the person to reverse an opt-out now (CCPA-09), and from when it may."""
    state = uow.session.get(ConsentState, (person_id, choice_id))
    if state is None or state.value:
        return True, None
    allowed_from = reask_allowed_from(pack.choice(choice_id), state.effective_at)
    if allowed_from is None:
        return True, None
    return at >= allowed_from, allowed_from
