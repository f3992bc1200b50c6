"""`POST /v1/accounts/{number}/status` against the abuse desk's termination: real tokens of different roles.

An account the abuse desk terminated must not come back through the subscriber API on a role
that only holds `accounts:status`: only a role that may reactivate, with a reason, and then as
the desk's own reactivation (step recorded, ladder reset, audited). Ordinary status changes
are untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from privet.abuse import ladder
from privet.abuse.service import AbuseContext
from privet.abuse.tables import AbuseAction
from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.audit.tables import AuditEntry
from privet.runtime import Runtime
from privet.subjects.tables import Account
from tests.conftest import POLICIES, runtime_with_subscribers

Headers = Callable[[str], dict[str, str]]
PACK = POLICIES / "000-metronet"


@pytest.fixture
def runtime(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return runtime_with_subscribers(engine, factory, PACK)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def token_for(runtime: Runtime) -> Headers:
    def make(role: str) -> dict[str, str]:
        with runtime.uow("test") as uow:
            token, _ = create_token(uow, name=f"test {role}", role=role)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def terminated(runtime: Runtime) -> str:
    """A-1001, terminated at once by the abuse desk on one of the pack's immediate grounds."""
    with AbuseContext.of(runtime).desk("abuse-desk") as desk:
        account = desk.need_account("A-1001")
        ladder.immediate(desk, account, None, "violation_of_law", "terminate", "botnet command and control")
    assert _status(runtime, "A1001") == "disconnected"
    return "A-1001"


def _status(runtime: Runtime, number: str) -> str:
    with runtime.factory() as session:
        return session.scalars(select(Account.status).where(Account.number == number)).one()


def _audited(runtime: Runtime, action: str) -> list[dict[str, Any]]:
    with runtime.factory() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return [{"actor": r.actor, "subject": r.subject, **json.loads(r.data)} for r in rows]


def _post(client: TestClient, headers: dict[str, str], number: str, status: str, reason: str) -> Any:
    return client.post(f"/v1/accounts/{number}/status", headers=headers, json={"status": status, "reason": reason})


@pytest.mark.parametrize("role", ["abuse_desk", "service_integration"])
def test_a_role_that_may_not_reactivate_is_refused_and_the_attempt_is_audited(
    client: TestClient, token_for: Headers, runtime: Runtime, terminated: str, role: str
) -> None:
    response = _post(client, token_for(role), terminated, "active", "customer called, says it was a mistake")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 403 and problem["title"] == "Forbidden" and "terminated by the abuse desk" in problem["detail"]
    assert _status(runtime, "A1001") == "disconnected"
    assert _audited(runtime, "abuse.reactivated") == []
    (refusal,) = _audited(runtime, "abuse.reactivation_refused")
    assert refusal["subject"] == "account:A1001" and refusal["role"] == role and refusal["status"] == 403
    assert _post(client, token_for(role), terminated, "suspended", "parking it").status_code == 403
    assert _status(runtime, "A1001") == "disconnected"


def test_a_blank_reason_is_refused_even_for_a_role_that_may_reactivate(
    client: TestClient, token_for: Headers, runtime: Runtime, terminated: str
) -> None:
    response = _post(client, token_for("admin"), terminated, "active", "   ")
    assert response.status_code == 422
    assert response.json()["field"] == "reason" and response.json()["title"] == "Invalid request"
    assert _post(client, token_for("admin"), terminated, "active", "").status_code == 422  # the schema's own minimum
    assert _status(runtime, "A1001") == "disconnected"
    assert _audited(runtime, "abuse.reactivated") == []


def test_a_terminated_account_leaves_disconnected_only_for_active(
    client: TestClient, token_for: Headers, runtime: Runtime, terminated: str
) -> None:
    response = _post(client, token_for("admin"), terminated, "suspended", "reviewed, suspend instead")
    assert response.status_code == 409 and response.json()["title"] == "Conflict"
    assert _status(runtime, "A1001") == "disconnected"


def test_reactivation_with_the_permission_and_a_reason_is_the_desks_reactivation_and_is_audited(
    client: TestClient, token_for: Headers, runtime: Runtime, terminated: str
) -> None:
    response = _post(client, token_for("admin"), terminated, "active", "court order vacated")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    assert _status(runtime, "A1001") == "active"
    (reactivated,) = _audited(runtime, "abuse.reactivated")
    assert reactivated["subject"] == "account:A1001" and reactivated["role"] == "admin"
    assert reactivated["reason"] == "court order vacated"
    changed = _audited(runtime, "account.status_changed")[-1]
    assert (changed["from_status"], changed["to_status"]) == ("disconnected", "active")
    assert "court order vacated" in changed["reason"]
    with runtime.factory() as session:
        actions = session.scalars(select(AbuseAction).where(AbuseAction.account_number == "A1001").order_by(AbuseAction.id)).all()
        assert [a.step for a in actions] == ["immediate_termination", "reactivation"]
        assert actions[0].revoked_at is not None and actions[1].role == "admin"
    # the termination no longer governs: ordinary changes work again, for the ordinary roles
    assert _post(client, token_for("abuse_desk"), terminated, "suspended", "non-payment").status_code == 200


def test_ordinary_status_changes_are_untouched(client: TestClient, token_for: Headers, runtime: Runtime) -> None:
    headers = token_for("service_integration")
    back = _post(client, headers, "A-3003", "active", "payment received")
    assert back.status_code == 200 and back.json()["status"] == "active"
    assert _post(client, headers, "A-2002", "disconnected", "moved away").status_code == 200
    assert _post(client, headers, "A-2002", "active", "moved back").status_code == 200
    assert _status(runtime, "A3003") == "active" and _status(runtime, "A2002") == "active"
    assert _audited(runtime, "abuse.reactivation_refused") == []
