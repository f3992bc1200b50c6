"""A subscriber's own account page in the privacy center (/privacy/account).

The packs promise that account holders can sign in to see and review their profile and contact
details and to update them (seed 000's account access and update rights; seed 002's account
pages). The page shows the person's own data unmasked, because it is theirs, and only to the
person the session belongs to. Updates go through the correction request of the requests desk
(the same form as /privacy/request, with its verification, deadline and audit), so a change to
an address of record takes the CPNI path that notifies the address that was of record before.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from privet.api.deps import RuntimeDep
from privet.requests.tables import DataRequest
from privet.subjects.service import get_person
from privet.subjects.tables import AccountMember, Person, ServiceLineRecord
from privet.web.common import page
from privet.web.privacy import CORRECTABLE, SessionCookie, page_context, person_of

router = APIRouter(prefix="/privacy", tags=["privacy center pages"], include_in_schema=False)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, runtime: RuntimeDep, session: SessionCookie = None) -> HTMLResponse:
    person_id = person_of(runtime, session)
    ctx = page_context(runtime, request, session, person_id)
    if person_id is None:
        return page("privacy/signin_needed.html", status_code=401, **ctx)
    with runtime.uow(f"subject:{person_id}") as uow:
        person = get_person(uow, person_id)
        own = _own_data(person)
        requests = list(
            uow.session.scalars(
                select(DataRequest).where(DataRequest.person_id == person_id).order_by(DataRequest.received_at.desc()).limit(50)
            )
        )
        uow.record("privacy_center.account_viewed", f"person:{person_id}")
        return page("privacy/account.html", requests=requests, correctable=CORRECTABLE, **own, **ctx)


def _own_data(person: Person) -> dict[str, Any]:
    """What the page shows: current contact points, identities, and each account with its services."""
    contacts = sorted((c for c in person.contact_points if c.replaced_at is None), key=lambda c: (c.kind, c.purpose))
    accounts = [_account(m) for m in person.roles]
    return {"person": person, "contacts": contacts, "identities": person.identities, "accounts": accounts}


def _account(membership: AccountMember) -> dict[str, Any]:
    account = membership.account
    services: list[ServiceLineRecord] = sorted(account.services, key=lambda line: (line.started_on, line.id))
    return {
        "number": account.number,
        "type": account.type,
        "status": account.status,
        "role": membership.role,
        "services": services,
    }
