"""`POST /v1/audiences`: counts and ids agree with one decision per person; access and input are checked."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from privet.audit.tables import AuditEntry
from privet.consent.ledger import record_choice
from privet.decide.engine import Request
from privet.decide.facts import load_facts
from privet.runtime import Runtime
from privet.subjects.tables import Person

Headers = Callable[[str], dict[str, str]]
AT = "2026-03-01T12:00:00Z"
EMAIL = {
    "categories": ["user.contact.email", "user.name"],
    "purpose": "marketing.communications.email",
    "recipient": "first-party",
}


def expected(runtime: Runtime, body: dict[str, object]) -> tuple[list[int], Counter[str]]:
    at = datetime.fromisoformat(AT.replace("Z", "+00:00"))
    request = Request(tuple(body["categories"]), str(body["purpose"]), str(body["recipient"]), body.get("channel"))  # type: ignore[arg-type]
    eligible, denied = [], Counter[str]()
    with runtime.uow("test") as uow:
        for pid in sorted(uow.session.scalars(select(Person.id))):
            d = runtime.decider.decide(request, load_facts(uow, pid, at), at)
            if d.allowed:
                eligible.append(pid)
            else:
                denied[d.denial_reason or ""] += 1
    return eligible, denied


def opt_out_first(runtime: Runtime) -> int:
    with runtime.uow("test") as uow:
        pid = min(uow.session.scalars(select(Person.id)))
        record_choice(uow, runtime.pack, person_id=pid, choice_id="marketing-email", value=False, channel="account_portal",
                      received_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    return pid


def test_counts_and_ids_match_one_decision_per_person_and_are_audited(
    client: TestClient, runtime: Runtime, token_for: Headers
) -> None:
    opted_out = opt_out_first(runtime)
    for body in (
        EMAIL,
        {**EMAIL, "channel": "email"},
        {"categories": ["user.telecom.cpni"], "purpose": "marketing.cpni", "recipient": "affiliates"},
    ):
        r = client.post("/v1/audiences", json={**body, "at": AT}, headers=token_for("marketing"))
        assert r.status_code == 200, r.text
        got = r.json()
        eligible, denied = expected(runtime, body)
        assert got["eligible"] == len(eligible) and got["total"] == len(eligible) + sum(denied.values())
        assert got["denied_by_reason"] == dict(denied)
        assert got["policy_version"] == runtime.pack.pack.version
    assert any(v > 0 for v in got["denied_by_reason"].values())
    with runtime.uow("test") as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "audience.computed").order_by(AuditEntry.seq.desc())
        ).first()
    assert entry is not None and json.loads(entry.data)["eligible"] == got["eligible"]

    ids_stream_as_ndjson_after_the_counts(client, runtime, token_for, opted_out)


def ids_stream_as_ndjson_after_the_counts(client: TestClient, runtime: Runtime, token_for: Headers, opted_out: int) -> None:
    r = client.post("/v1/audiences", json={**EMAIL, "at": AT, "include_ids": True}, headers=token_for("privacy_officer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    head, ids = lines[0], [line["person_id"] for line in lines[1:]]
    eligible, _ = expected(runtime, EMAIL)
    assert ids == eligible and head["eligible"] == len(ids) and opted_out not in ids
    assert head["denied_by_reason"] == {"policy:marketing-email": 1}


def test_an_audience_needs_a_token_the_permission_and_a_valid_campaign(client: TestClient, token_for: Headers) -> None:
    assert client.post("/v1/audiences", json=EMAIL).status_code == 401
    assert client.post("/v1/audiences", json=EMAIL, headers={"Authorization": "Bearer pvt_nope"}).status_code == 401
    assert client.post("/v1/audiences", json=EMAIL, headers=token_for("care_rep")).status_code == 403
    h = token_for("admin")
    for body in (
        {**EMAIL, "categories": []},
        {**EMAIL, "categories": ["user.no_such_thing"]},
        {**EMAIL, "purpose": "no.such.purpose"},
        {**EMAIL, "recipient": "nobody"},
        {**EMAIL, "at": "2026-03-01T12:00:00"},
        {**EMAIL, "extra": 1},
        {**EMAIL, "include_ids": "maybe"},
    ):
        r = client.post("/v1/audiences", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
