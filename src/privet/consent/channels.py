"""Channels the seeds and the law name: SMS keywords, one-click unsubscribe, GPC and Do Not Track."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from privet.consent.ledger import Recorded, current_choices, record_choice, record_signal
from privet.consent.links import read_unsubscribe_token
from privet.policy.model import PolicyPack
from privet.policy.taxonomy import RegimeId
from privet.regimes.channels import is_stop_keyword
from privet.store.uow import UnitOfWork
from privet.subjects.identities import IdentityKind, normalize
from privet.subjects.service import find_person, get_person

STOP_CONFIRMATION = (
    "You will receive no more marketing texts from {provider}. This is the only reply you will get to this message."
)


@dataclass(frozen=True)
class SmsResult:
    stop: bool
    person_id: int | None
    recorded: tuple[Recorded, ...]
    confirmation_queued: bool


def sms_marketing_choices(pack: PolicyPack) -> list[str]:
    """The choices a STOP reply revokes: those set by SMS keyword, or governing marketing texts."""
    return [c.id for c in pack.choices if "sms_keyword" in c.channels or c.regime is RegimeId.TCPA]


def handle_inbound_sms(
    uow: UnitOfWork, pack: PolicyPack, *, from_number: str, body: str, received_at: datetime | None = None
) -> SmsResult:
    """TCPA-02/-03: a STOP-word reply opts the sender out of marketing texts and gets one confirmation."""
    if not is_stop_keyword(body):
        return SmsResult(False, None, (), False)
    phone = normalize(IdentityKind.PHONE, from_number)
    person = find_person(uow, IdentityKind.PHONE, phone)
    if person is None:
        uow.record("consent.sms_stop_unmatched", None, keyword=" ".join(body.lower().split()))
        return SmsResult(True, None, (), False)
    recorded = tuple(
        record_choice(
            uow,
            pack,
            person_id=person.id,
            choice_id=choice_id,
            value=False,
            channel="sms_keyword",
            evidence={"keyword": " ".join(body.lower().split())},
            identity=("phone", phone),
            received_at=received_at,
        )
        for choice_id in sms_marketing_choices(pack)
    )
    uow.send(
        kind="sms_stop_confirmation",
        channel="sms",
        recipient=phone,
        subject="Opt-out confirmed",
        body=STOP_CONFIRMATION.format(provider=pack.provider.name),
        related=f"person:{person.id}",
    )
    return SmsResult(True, person.id, recorded, True)


def one_click_unsubscribe(uow: UnitOfWork, pack: PolicyPack, token: str) -> Recorded:
    """RFC 8058: the POST to the link opts the person out; no login, no further questions."""
    claim = read_unsubscribe_token(token, uow.now())
    return record_choice(
        uow,
        pack,
        person_id=claim.person_id,
        choice_id=claim.choice_id,
        value=False,
        channel="email_unsubscribe_link",
        evidence={"issued_at": claim.issued_at.isoformat(), "method": "rfc8058_one_click"},
    )


@dataclass(frozen=True)
class SignalResult:
    gpc_honoured: bool
    dnt_recorded: bool
    recorded: tuple[Recorded, ...]


def ccpa_opt_out_choices(pack: PolicyPack) -> list[str]:
    return [c.id for c in pack.choices if c.kind == "opt_out" and (c.regime is RegimeId.CCPA or "gpc" in c.channels)]


def apply_browser_signals(uow: UnitOfWork, pack: PolicyPack, *, person_id: int, gpc: bool, dnt: bool, page: str) -> SignalResult:
    """CCPA-07: GPC is an opt-out of sale and sharing where CCPA applies. DNT is handled as the pack says."""
    person = get_person(uow, person_id)
    recorded: list[Recorded] = []
    honoured = False
    if gpc:
        applies = person.state == "CA" or pack.statements.gpc == "honoured"
        if applies and pack.statements.gpc != "not_honoured":
            honoured = True
            current = set(ccpa_opt_out_choices(pack))
            states = current_choices(uow, person.id)
            for choice_id in sorted(current):
                if choice_id in states and states[choice_id].value is False:
                    continue  # already opted out: no duplicate ledger entries on every page view
                recorded.append(
                    record_choice(
                        uow,
                        pack,
                        person_id=person.id,
                        choice_id=choice_id,
                        value=False,
                        channel="gpc",
                        evidence={"header": "Sec-GPC: 1", "page": page},
                    )
                )
        record_signal(
            uow,
            person_id=person.id,
            signal="gpc",
            channel="gpc",
            honoured=honoured,
            evidence={"page": page, "state": person.state},
        )
    if dnt:
        record_signal(
            uow,
            person_id=person.id,
            signal="dnt",
            channel="browser_settings",
            honoured=pack.statements.do_not_track == "honoured",
            evidence={"page": page},
        )
    return SignalResult(honoured, dnt, tuple(recorded))
