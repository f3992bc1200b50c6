"""Subscriber routes under /v1: look people up by any identity, read and change what is held."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from privet.abuse import reinstatement
from privet.access.permissions import Permission
from privet.access.tokens import Principal
from privet.api.deps import RowId, RuntimeDep, require
from privet.api.problems import problem
from privet.subjects import service
from privet.subjects.identities import IdentityKind
from privet.subjects.importing import parse_rows
from privet.subjects.service import ImportRejected
from privet.subjects.views import AccountView, PersonView, account_view, person_view

router = APIRouter(prefix="/v1", tags=["subjects"])
AccountNumber = Annotated[str, PathParam(min_length=3, max_length=64, description="the account number, in any common form")]


class ImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: list[dict[str, Any]] = Field(min_length=1, max_length=10_000)


class ImportSummary(BaseModel):
    rows: int
    accounts_created: int
    persons_created: int
    identities_added: int


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(pattern=r"^(active|suspended|disconnected)$")
    reason: str = Field(min_length=1, max_length=500)


class IdentityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=320)


@router.post("/subjects/import", response_model=ImportSummary, status_code=201)
def import_subjects(
    body: ImportBody, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(Permission.SUBJECTS_IMPORT))]
) -> ImportSummary:
    """Import subscriber records: every row is validated and either all are written or none."""
    records, errors = parse_rows(list(body.records))
    if errors:
        raise ImportRejected(errors)
    with runtime.uow(who.actor) as uow:
        result = service.import_records(uow, records, runtime.policy_version_id)
    return ImportSummary(**result.__dict__)


@router.get("/subjects/lookup", response_model=PersonView)
def lookup(
    runtime: RuntimeDep,
    who: Annotated[Principal, Depends(require(Permission.SUBJECTS_READ))],
    kind: Annotated[IdentityKind, Query(description="email, phone, account_number or username")],
    value: Annotated[str, Query(min_length=1, max_length=320)],
) -> PersonView:
    """Find the person behind any identity they might give."""
    with runtime.uow(who.actor) as uow:
        person = service.find_person(uow, kind, value)
        if person is None:
            raise service.SubjectError(f"no person has the {kind.value} given")
        uow.record("subject.looked_up", f"person:{person.id}", kind=kind.value, role=who.role)
        return person_view(person, runtime.pack, who.role)


@router.get("/persons/{person_id}", response_model=PersonView)
def read_person(
    person_id: RowId, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(Permission.SUBJECTS_READ))]
) -> PersonView:
    with runtime.uow(who.actor) as uow:
        person = service.get_person(uow, person_id)
        uow.record("subject.read", f"person:{person.id}", role=who.role)
        return person_view(person, runtime.pack, who.role)


@router.post("/persons/{person_id}/identities", response_model=PersonView, status_code=201)
def add_identity(
    person_id: RowId,
    body: IdentityBody,
    runtime: RuntimeDep,
    who: Annotated[Principal, Depends(require(Permission.SUBJECTS_WRITE))],
) -> PersonView:
    with runtime.uow(who.actor) as uow:
        service.add_identity(uow, person_id, body.kind, body.value)
        uow.session.flush()
        return person_view(service.get_person(uow, person_id), runtime.pack, who.role)


@router.get("/accounts/{number}", response_model=AccountView)
def read_account(
    number: AccountNumber, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(Permission.SUBJECTS_READ))]
) -> AccountView:
    with runtime.uow(who.actor) as uow:
        account = service.get_account(uow, number)
        uow.record("account.read", f"account:{account.number}", role=who.role)
        return account_view(account, runtime.pack, who.role)


@router.post("/accounts/{number}/status", response_model=AccountView)
def change_status(
    number: AccountNumber,
    body: StatusBody,
    runtime: RuntimeDep,
    who: Annotated[Principal, Depends(require(Permission.ACCOUNTS_STATUS))],
) -> AccountView | JSONResponse:
    """Suspend, disconnect or restore an account; the reason and actor go into its history.

    An account the abuse desk terminated comes back only through the desk's reactivation rule
    (`abuse.reinstatement`): a role allowed to, a recorded reason, to active. A refusal is a
    problem document, and its audit entry commits (nothing else changed) before it is sent.
    """
    with runtime.uow(who.actor) as uow:
        try:
            account = reinstatement.change_status(uow, runtime.pack, number, body.status, body.reason, who.role)
        except reinstatement.Refused as refused:
            denial = problem(refused.status, refused.title, refused.detail, field=refused.field)
        else:
            if account is None:
                account = service.change_account_status(uow, number, body.status, body.reason)
            uow.session.flush()
            return account_view(account, runtime.pack, who.role)
    return denial
