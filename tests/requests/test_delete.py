"""Deletion: mask exactly what may be masked, keep what the law or a hold keeps, resume once."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from privet.audit.tables import AuditEntry
from privet.legal.tables import Hold
from privet.requests.connectors.base import ConnectorError
from privet.requests.connectors.sql import SqlConnector
from privet.requests.kinds import RequestError
from tests.requests.conftest import ALICE_PROOF, Provider

BOB_IDS = {
    ("billing", "customers"): [2],
    ("billing", "invoices"): [12],
    ("billing", "call_records"): [102],
    ("crm", "contacts"): [301],
    ("crm", "interactions"): [401],
    ("tickets", "tickets"): [501],
    ("mail", "mailboxes"): [601],
    ("network", "ip_assignments"): [701],
    ("network", "sessions"): [801],
}


def _bob(p: Provider) -> dict[tuple[str, str], list[dict[str, Any]]]:
    return {key: [p.systems.rows(*key)[i] for i in ids] for key, ids in BOB_IDS.items()}


def _hold_tickets(p: Provider) -> int:
    with p.runtime.uow("legal") as uow:
        hold = Hold(
            kind="preservation_2703f",
            account_number="A1001",
            scope=["tickets.tickets"],
            reason="preservation letter 2026-17",
            starts_at=uow.now() - timedelta(days=1),
            ends_at=uow.now() + timedelta(days=89),
            renewals=0,
            created_by="legal",
        )
        uow.session.add(hold)
        uow.session.flush()
        return hold.id


@pytest.mark.promise("004-P049")
def test_deletion_masks_exactly_what_may_be_masked_and_reports_what_is_kept(provider_for: Callable[[str], Provider]) -> None:
    p = provider_for("county")
    hold = _hold_tickets(p)
    bob_before = _bob(p)
    req = p.submit("delete", evidence=ALICE_PROOF)
    assert req.status == "verified"
    result = p.execute(req.id)
    assert result.status == "completed"
    s = p.systems

    customer = s.rows("billing", "customers")[1]
    key = p.registry.erasure_key("billing")
    assert customer["full_name"] == "REDACTED" and customer["account_no"] == "A1001"
    assert customer["email"] == hmac.new(key, b"alice@example.net", hashlib.sha256).hexdigest()
    assert customer["phone"] is customer["street"] is customer["ssn"] is customer["card_number"] is None
    assert customer["created_at"] is not None  # not personal data: declared without a category
    sha = hashlib.sha256(b"alice@example.net").hexdigest()
    assert [s.rows("billing", "invoices")[i]["billing_email"] for i in (10, 11)] == [sha, sha]
    assert s.rows("billing", "invoices")[10]["amount_cents"] == 4999  # erase: keep
    calls = s.rows("billing", "call_records")
    assert calls[100]["called_number"] == "5550109999"  # toll record younger than 18 months: kept whole
    assert calls[101]["called_number"] is None and calls[101]["seconds"] is None  # older: erased
    assert s.rows("billing", "cpni_approvals")[200]["choice"] == "cpni-marketing:opt_in"
    contact = s.rows("crm", "contacts")[300]
    assert contact["email"] is contact["work_email"] is contact["phone"] is contact["full_name"] is contact["notes"] is None
    assert s.rows("crm", "interactions")[400]["summary"] is None
    assert s.rows("tickets", "tickets")[500]["body"] == "Alice's line is slow"  # under the hold
    mailbox = s.rows("mail", "mailboxes")[600]
    assert mailbox["username"] == "alice" and mailbox["password_hash"] is None and mailbox["quota_mb"] == 500
    assert s.rows("network", "ip_assignments")[700]["ip"] is None
    assert s.rows("network", "sessions")[800]["framed_ip"] is None
    assert _bob(p) == bob_before  # nothing of anyone else was touched

    kept = {(k.get("table"), k["basis"]): k for k in result.response["kept"]}
    assert kept[("billing.call_records", "toll_records")]["cite"].startswith("47 CFR 42.6")
    assert kept[("billing.call_records", "toll_records")]["rows"] == 1
    assert kept[("billing.cpni_approvals", "cpni_approval")]["cite"] == "47 CFR 64.2007(a)(3)"
    assert kept[("tickets.tickets", f"hold:{hold}")]["cite"] == "18 U.S.C. 2703(f)"
    assert kept[(None, "request_records")]["cite"].startswith("11 CCR 7101")
    assert result.response["erased"]["billing.customers"] == 1 and "tickets.tickets" not in result.response["erased"]


def test_the_kept_items_and_their_basis_reach_the_person(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    req = p.submit("delete", evidence=ALICE_PROOF)
    p.execute(req.id)
    from privet.outbox.tables import OutboxMessage

    with p.runtime.uow("test") as uow:
        answer = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.response")).one()
    assert answer.recipient == "alice@example.net"
    assert "toll call billing records are kept for 18 months (47 CFR 42.6" in answer.body
    assert "request is kept 24 months" in answer.body


@pytest.mark.promise("004-P049")
def test_an_interrupted_deletion_resumes_where_it_stopped_and_never_erases_twice(
    provider_for: Callable[[str], Provider], monkeypatch: pytest.MonkeyPatch
) -> None:
    p = provider_for("county")
    req = p.submit("delete", evidence=ALICE_PROOF)
    seen: list[str] = []

    def power_cut(table: str) -> None:
        seen.append(table)
        if table == "billing.invoices":  # its system has committed; privet has not yet marked it done
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        p.execute(req.id, checkpoint=power_cut)
    assert p.request(req.id).status == "in_progress"
    done_before = seen[:-1]

    written: list[str] = []
    original = SqlConnector.update

    def counting(self: SqlConnector, table: str, key: Any, changes: Any) -> int:
        written.append(table)
        return original(self, table, key, changes)

    monkeypatch.setattr(SqlConnector, "update", counting)
    result = p.execute(req.id)
    assert result.status == "completed"
    assert written.count("invoices") == 1  # the interrupted table is written again, with the stored values
    assert not {t.split(".")[1] for t in done_before} & set(written)  # finished tables are not touched again
    sha = hashlib.sha256(b"alice@example.net").hexdigest()
    assert p.systems.rows("billing", "invoices")[10]["billing_email"] == sha  # hashed once, not hashed again
    with p.runtime.uow("test") as uow:
        erased = uow.session.scalars(select(AuditEntry.data).where(AuditEntry.action == "request.table_erased")).all()
    assert sum('"billing.invoices"' in e for e in erased) == 1
    with pytest.raises(RequestError, match="completed"):
        p.execute(req.id)


def test_a_system_failure_midway_is_resumed_once_the_system_is_back(provider_for: Callable[[str], Provider]) -> None:
    p = provider_for("county")
    postgres = p.systems.schemas.get("mail") is not None
    if postgres:
        p.systems.execute(
            "mail",
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'mail store read-only'; END $$ LANGUAGE plpgsql;"
            "CREATE TRIGGER refuse BEFORE UPDATE ON mailboxes FOR EACH ROW EXECUTE FUNCTION refuse()",
        )
    else:
        p.systems.execute(
            "mail", "CREATE TRIGGER refuse BEFORE UPDATE ON mailboxes BEGIN SELECT RAISE(ABORT, 'mail store read-only'); END"
        )
    req = p.submit("delete", evidence=ALICE_PROOF)
    with pytest.raises(ConnectorError, match="read-only"):
        p.execute(req.id)
    assert p.request(req.id).status == "in_progress"
    assert p.systems.rows("mail", "mailboxes")[600]["password_hash"] == "$2b$alicehash"  # the failed table rolled back
    p.systems.execute("mail", "DROP TRIGGER refuse ON mailboxes" if postgres else "DROP TRIGGER refuse")
    assert p.execute(req.id).status == "completed"
    assert p.systems.rows("mail", "mailboxes")[600]["password_hash"] is None


@pytest.mark.promise("001-P074")
def test_a_hold_without_scope_keeps_everything_of_the_person(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("mettel")  # "except what is needed ... to answer valid legal process"
    with p.runtime.uow("legal") as uow:
        uow.session.add(
            Hold(
                kind="litigation",
                person_id=p.alice,
                scope=[],
                reason="Able v. County Micro",
                starts_at=uow.now() - timedelta(days=1),
                ends_at=None,
                renewals=0,
                created_by="legal",
            )
        )
    req = p.submit("delete", evidence=ALICE_PROOF)
    result = p.execute(req.id)
    assert result.response["erased"] == {}
    assert p.systems.rows("crm", "contacts")[300]["email"] == "alice@example.net"
    held = {k["table"] for k in result.response["kept"] if k["cite"] == "litigation hold"}
    assert held == {f"{n.dataset}.{n.table}" for n in p.registry.graph.order}


def test_a_hold_on_a_category_keeps_only_those_columns(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    with p.runtime.uow("legal") as uow:
        uow.session.add(
            Hold(
                kind="preservation_2703f",
                person_id=p.alice,
                scope=["user.device.ip_address"],
                reason="2703(f) letter",
                starts_at=uow.now() - timedelta(days=1),
                ends_at=uow.now() + timedelta(days=90),
                renewals=0,
                created_by="legal",
            )
        )
    req = p.submit("delete", evidence=ALICE_PROOF)
    p.execute(req.id)
    session = p.systems.rows("network", "sessions")[800]
    assert session["framed_ip"] == "203.0.113.7" and session["username"] is None and session["octets"] is None


@pytest.mark.promise("001-P074")
def test_service_data_is_kept_while_the_account_is_active(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("mettel")  # "except what is needed to provide its products"
    decl = p.systems.folder / "mail.yaml"
    decl.write_text(decl.read_text().replace("    primary_key: id\n", "    primary_key: id\n    retain: [{basis: service}]\n", 1))
    from privet.requests.datasets.registry import Registry

    p.registry = Registry.load(p.systems.folder, p.runtime.pack)
    req = p.submit("delete", evidence=ALICE_PROOF)
    result = p.execute(req.id)
    assert p.systems.rows("mail", "mailboxes")[600]["forward_to"] == "alice@example.net"
    kept = next(k for k in result.response["kept"] if k.get("table") == "mail.mailboxes")
    assert kept["cite"] == "Cal. Civ. Code 1798.105(d)(1)"
    p.registry.close()
