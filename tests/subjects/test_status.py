"""Account status changes in the subscriber service: by number, or on an account the caller already loaded."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.tables import AuditEntry
from privet.store.uow import UnitOfWork
from privet.subjects.identities import IdentityKind, normalize
from privet.subjects.importing import parse_rows
from privet.subjects.service import SubjectError, change_account_status, get_account, import_records, set_account_status
from privet.subjects.tables import Account, AccountStatusChange

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _account(factory: sessionmaker[Session], number: str) -> str:
    records, errors = parse_rows([{"account_number": number, "person_id": f"P-{number}", "full_name": "Ann Example"}])
    assert not errors
    with UnitOfWork(factory, "import", lambda: AT) as uow:
        import_records(uow, records)
    return normalize(IdentityKind.ACCOUNT_NUMBER, number)


def _history(factory: sessionmaker[Session], number: str) -> list[tuple[str | None, str, str, str]]:
    with factory() as session:
        account = session.scalars(select(Account).where(Account.number == number)).one()
        return [(c.from_status, c.to_status, c.reason, c.actor) for c in sorted(account.status_history, key=lambda c: c.id)]


def _audited(factory: sessionmaker[Session], subject: str) -> list[tuple[str, dict[str, str]]]:
    with factory() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.subject == subject).order_by(AuditEntry.seq))
        return [(e.action, json.loads(e.data)) for e in entries]


By = Callable[[UnitOfWork, str, str, str], object]


def _by_number(uow: UnitOfWork, number: str, to_status: str, reason: str) -> object:
    return change_account_status(uow, number, to_status, reason)


def _on_loaded(uow: UnitOfWork, number: str, to_status: str, reason: str) -> object:
    return set_account_status(uow, get_account(uow, number), to_status, reason)


@pytest.mark.parametrize("change", [_by_number, _on_loaded], ids=["by number", "on the loaded account"])
def test_both_ways_keep_the_same_history_and_audit(factory: sessionmaker[Session], change: By) -> None:
    number = _account(factory, "ST-100")
    with UnitOfWork(factory, "desk:jo", lambda: AT) as uow:
        change(uow, number, "suspended", "abuse: temporary suspension")
        change(uow, number, "disconnected", "abuse: termination")
    assert _history(factory, number) == [
        (None, "active", "imported", "import"),
        ("active", "suspended", "abuse: temporary suspension", "desk:jo"),
        ("suspended", "disconnected", "abuse: termination", "desk:jo"),
    ]
    assert _audited(factory, f"account:{number}") == [
        ("account.status_changed", {"from_status": "active", "to_status": "suspended", "reason": "abuse: temporary suspension"}),
        ("account.status_changed", {"from_status": "suspended", "to_status": "disconnected", "reason": "abuse: termination"}),
    ]


@pytest.mark.parametrize("change", [_by_number, _on_loaded], ids=["by number", "on the loaded account"])
@pytest.mark.parametrize(
    ("to_status", "reason", "error"),
    [("closed", "moved", "not an account status"), ("suspended", "  ", "needs a reason"), ("active", "again", "already active")],
)
def test_both_ways_refuse_the_same_requests(
    factory: sessionmaker[Session], change: By, to_status: str, reason: str, error: str
) -> None:
    number = _account(factory, "ST-200")
    with pytest.raises(SubjectError, match=error), UnitOfWork(factory, "desk:jo", lambda: AT) as uow:
        change(uow, number, to_status, reason)
    assert _history(factory, number) == [(None, "active", "imported", "import")]
    assert _audited(factory, f"account:{number}") == []


def test_an_account_loaded_elsewhere_is_refused_rather_than_changed_unwritten(factory: sessionmaker[Session]) -> None:
    number = _account(factory, "ST-300")
    with factory() as other:
        stale = other.scalars(select(Account).where(Account.number == number)).one()
    with pytest.raises(SubjectError, match="not loaded in this unit of work"), UnitOfWork(factory, "desk:jo", lambda: AT) as uow:
        set_account_status(uow, stale, "suspended", "abuse: temporary suspension")
    with factory() as session:
        assert session.scalars(select(Account.status).where(Account.number == number)).one() == "active"
        assert session.scalars(select(AccountStatusChange).where(AccountStatusChange.reason.like("abuse%"))).all() == []
    assert _audited(factory, f"account:{number}") == []
