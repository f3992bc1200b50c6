"""What the API shows of a subscriber, masked to what the caller's role may see.

Each personal field names its data category; `privet.access.masking` decides per role.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from privet.access.masking import shown
from privet.policy.model import PolicyPack
from privet.subjects.tables import Account, Person

IDENTITY_CATEGORY = {
    "email": "user.contact.email",
    "phone": "user.contact.phone_number",
    "username": "user.account.username",
    "account_number": "user.telecom.account_number",
}
CONTACT_CATEGORY = {"postal": "user.contact.address", "phone": "user.contact.phone_number", "email": "user.contact.email"}


class IdentityView(BaseModel):
    kind: str
    value: str | None
    verified: bool


class ContactPointView(BaseModel):
    kind: str
    purpose: str
    value: str | None
    of_record_since: date
    replaced_at: datetime | None


class MembershipView(BaseModel):
    account_number: str | None
    role: str
    account_type: str
    account_status: str


class PersonView(BaseModel):
    id: int
    external_id: str | None
    full_name: str | None
    birth_date: str | None
    age_band: str | None
    state: str | None
    identities: list[IdentityView]
    contact_points: list[ContactPointView]
    accounts: list[MembershipView]
    masked: bool


class StatusChangeView(BaseModel):
    at: datetime
    from_status: str | None
    to_status: str
    reason: str
    actor: str


class ServiceView(BaseModel):
    kind: str
    started_on: date
    ended_on: date | None


class AccountView(BaseModel):
    number: str | None
    type: str
    status: str
    service_state: str | None
    billing_state: str | None
    services: list[ServiceView]
    members: list[dict[str, str | int | None]]
    status_history: list[StatusChangeView]


def person_view(person: Person, pack: PolicyPack, role: str) -> PersonView:
    def see(category: str, value: str | None) -> str | None:
        return shown(pack, role, category, value)

    name = see("user.name", person.full_name)
    return PersonView(
        id=person.id,
        external_id=person.external_id,
        full_name=name,
        birth_date=see("user.demographic.date_of_birth", person.birth_date.isoformat() if person.birth_date else None),
        age_band=see("user.demographic.age_range", person.age_band),
        state=see("user.contact.address.state", person.state),
        identities=[
            IdentityView(kind=i.kind, value=see(IDENTITY_CATEGORY[i.kind], i.value), verified=i.verified)
            for i in person.identities
        ],
        contact_points=[
            ContactPointView(
                kind=c.kind,
                purpose=c.purpose,
                value=see(CONTACT_CATEGORY[c.kind], c.value),
                of_record_since=c.of_record_since,
                replaced_at=c.replaced_at,
            )
            for c in person.contact_points
        ],
        accounts=[
            MembershipView(
                account_number=see("user.telecom.account_number", m.account.number),
                role=m.role,
                account_type=m.account.type,
                account_status=m.account.status,
            )
            for m in person.roles
        ],
        masked=name != person.full_name,
    )


def account_view(account: Account, pack: PolicyPack, role: str) -> AccountView:
    return AccountView(
        number=shown(pack, role, "user.telecom.account_number", account.number),
        type=account.type,
        status=account.status,
        service_state=account.service_state,
        billing_state=account.billing_state,
        services=[ServiceView(kind=s.kind, started_on=s.started_on, ended_on=s.ended_on) for s in account.services],
        members=[
            {"person_id": m.person_id, "role": m.role, "name": shown(pack, role, "user.name", m.person.full_name)}
            for m in account.members
        ],
        status_history=[
            StatusChangeView(at=h.at, from_status=h.from_status, to_status=h.to_status, reason=h.reason, actor=h.actor)
            for h in account.status_history
        ],
    )
