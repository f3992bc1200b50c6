"""Cable subscribers' notices, preservation holds, the reports, and the legal routes over HTTP."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from privet.legal import demands as legal
from privet.legal import holds
from privet.legal.cli import app as legal_cli
from privet.legal.process import DemandKind
from privet.legal.releases import release
from privet.legal.reports import disclosure_log, transparency_report
from privet.legal.tables import SubscriberNotice
from tests.conftest import POLICIES
from tests.cpni.support import Inbox, World, api_client, bearer, days_ago, deliver

K = DemandKind


def cable_subscriber(world: World) -> tuple[int, str]:
    email = f"cable.{random.randint(10**6, 10**7)}@example.net"
    return world.person(emails=[email], email_of_record_since=days_ago(90), services=["cable", "broadband"]), email


def test_a_cable_subscriber_is_told_of_a_court_order_before_release_and_viewing_never_goes(
    world: World, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    runtime = world.runtime()
    person, email = cable_subscriber(world)
    with world.uow("legal:pat") as uow:
        order = legal.record_demand(
            uow,
            kind=K.COURT_ORDER,
            issuer="District Court",
            person_id=person,
            scope=["user.name", "user.telecom.cable_viewing"],
            reference="CV-2026-118",
        ).id

    def attempt(categories: list[str]) -> Any:
        with world.uow("legal:pat") as uow:
            return release(uow, runtime.decider, runtime.pack, order, person_id=person, categories=categories)

    viewing = attempt(["user.telecom.cable_viewing"])
    assert viewing.refusal is not None and viewing.refusal.rule == "CABLE-04"
    first = attempt(["user.name"])
    assert first.refusal is not None and first.refusal.rule == "CABLE-03" and "not been delivered" in str(first.refusal)
    deliver(world, port)
    told = handler.to(email)
    assert len(told) == 1 and "court order from District Court (reference CV-2026-118)" in told[0].get_content()
    assert attempt(["user.name"]).disclosure is not None
    with world.uow() as uow:
        assert uow.session.scalars(select(SubscriberNotice).where(SubscriberNotice.demand_id == order)).one().given_by == "outbox"


def test_preservation_holds_last_ninety_days_with_one_renewal(world: World) -> None:
    person, _ = cable_subscriber(world)
    with world.uow("legal:pat") as uow:
        d = legal.record_demand(uow, kind=K.PRESERVATION_REQUEST, issuer="FBI Kansas City", person_id=person, reference="PR-77")
        hold = holds.active_holds(uow, uow.now(), person_id=person)[0]
        assert (hold.kind, hold.demand_id, hold.ends_at - hold.starts_at) == ("preservation_2703f", d.id, timedelta(days=90))
    with world.uow("legal:pat") as uow:
        renewed = holds.renew_hold(uow, hold.id)
        assert renewed.ends_at - renewed.starts_at == timedelta(days=180)
        with pytest.raises(holds.HoldError, match="one 90-day renewal"):
            holds.renew_hold(uow, hold.id)
    world.clock.advance(days=181)
    with world.uow() as uow:
        assert holds.active_holds(uow, uow.now(), person_id=person) == []
        with pytest.raises(holds.HoldError, match="no longer in force"):
            holds.renew_hold(uow, hold.id)
    with world.uow("legal:pat") as uow:
        released = holds.place_hold(uow, kind="litigation", person_id=person, reason="Doe v. Metronet")
        assert released.ends_at is None
        holds.release_hold(uow, released.id, reason="case settled")
        assert holds.active_holds(uow, uow.now(), person_id=person) == []
        with pytest.raises(holds.HoldError, match="kind"):
            holds.place_hold(uow, kind="forever", person_id=person, reason="x")


def test_disclosure_log_and_transparency_report_for_a_period(world: World) -> None:
    runtime = world.runtime("003-mtusa")
    world.clock.now = datetime(2023, 3, 1, 12, tzinfo=UTC)
    people = [world.person("003-mtusa", services=["voice"]) for _ in range(2)]
    with world.uow("legal:pat") as uow:
        sub = legal.record_demand(
            uow, kind=K.SUBPOENA, issuer="DA", person_id=people[0], scope=["user.name", "user.telecom.content"]
        )
        gag = legal.record_demand(
            uow,
            kind=K.ORDER_2703D,
            issuer="USAO",
            person_id=people[1],
            scope=["user.telecom.cpni.call_detail"],
            nondisclosure_until=datetime(2024, 1, 1).date(),
        )
        psap = legal.record_demand(
            uow,
            kind=K.PSAP_911,
            issuer="County 911",
            issuer_kind="psap",
            person_id=people[1],
            scope=["user.telecom.cpni.location"],
        )
    with world.uow("legal:pat") as uow:
        for demand_id, person, cats in (
            (sub.id, people[0], ["user.name"]),
            (sub.id, people[0], ["user.telecom.content"]),
            (gag.id, people[1], ["user.telecom.cpni.call_detail"]),
            (psap.id, people[1], ["user.telecom.cpni.location"]),
        ):
            release(uow, runtime.decider, runtime.pack, demand_id, person_id=person, categories=cats)
        legal.close_demand(uow, sub.id, outcome="partial", note="contents refused: no warrant")
        legal.close_demand(uow, gag.id, outcome="fulfilled")
    start, end = datetime(2023, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    with world.uow() as uow:
        log = {(line.recipient_kind, line.category): line for line in disclosure_log(uow, start, end)}
        report = transparency_report(uow, start, end)
    assert set(log) == {
        ("government", "user.name"),
        ("government", "user.telecom.cpni.call_detail"),
        ("psap", "user.telecom.cpni.location"),
    }
    assert log[("psap", "user.telecom.cpni.location")].persons == 1
    kinds = {k.kind: k for k in report.kinds}
    assert report.total == 3 and report.emergency_disclosures == 1
    assert kinds["subpoena"].outcomes == {"partial": 1} and kinds["subpoena"].disclosures == 1
    assert kinds["order_2703d"].with_nondisclosure_order == 1 and kinds["order_2703d"].outcomes == {"fulfilled": 1}
    assert kinds["psap_911"].outcomes == {"pending": 1}

    url = world.engine.url.render_as_string(hide_password=False)
    pack = str(POLICIES / "003-mtusa")
    text = CliRunner().invoke(
        legal_cli, ["transparency", "--from", "2023-01-01", "--to", "2024-01-01", "--db", url, "--policy", pack]
    )
    assert text.exit_code == 0 and "3 demands received" in text.output and "1 partial" in text.output
    listing = CliRunner().invoke(
        legal_cli,
        ["disclosures", "--from", "2023-01-01", "--to", "2024-01-01", "--recipient-kind", "psap", "--db", url, "--policy", pack],
    )
    assert listing.exit_code == 0 and "user.telecom.cpni.location" in listing.output and "user.name" not in listing.output
    bad = CliRunner().invoke(
        legal_cli, ["transparency", "--from", "2024-01-01", "--to", "2023-01-01", "--db", url, "--policy", pack]
    )
    assert bad.exit_code == 2


def test_legal_routes_refuse_with_the_rule_and_check_roles(world: World) -> None:
    runtime = world.runtime()
    person, _ = cable_subscriber(world)
    with api_client(runtime) as client:
        lawyer = bearer(runtime, "legal")
        r = client.post(
            "/v1/legal/demands",
            headers=lawyer,
            json={"kind": "subpoena", "issuer": "DA", "person_id": person, "scope": ["user.name", "user.telecom.content"]},
        )
        assert r.status_code == 201, r.text
        demand_id = r.json()["id"]
        refused = client.post(
            f"/v1/legal/demands/{demand_id}/releases",
            headers=lawyer,
            json={"person_id": person, "categories": ["user.telecom.content"]},
        )
        assert refused.status_code == 409 and refused.json()["detail"].startswith("refused under SCA-01")
        done = client.post(
            f"/v1/legal/demands/{demand_id}/releases", headers=lawyer, json={"person_id": person, "categories": ["user.name"]}
        )
        assert done.status_code == 201 and done.json()["recipient"] == "government"
        # An emergency request with no recorded basis never gets recorded, so nothing can be released under it.
        no_basis = client.post(
            "/v1/legal/demands",
            headers=lawyer,
            json={"kind": "emergency_request", "issuer": "PD", "person_id": person, "scope": ["user.name"]},
        )
        assert no_basis.status_code == 422 and "good_faith_basis" in no_basis.json()["detail"]
        for body, field in (
            ({"kind": "writ", "issuer": "x", "person_id": person}, "kind"),
            ({"kind": "subpoena", "issuer": "x", "person_id": person, "scope": ["User Name"]}, "scope"),
        ):
            assert client.post("/v1/legal/demands", headers=lawyer, json=body).status_code == 422, field
        assert client.get("/v1/legal/demands/2147483647", headers=lawyer).status_code == 404
        assert (
            client.post(
                "/v1/legal/demands",
                headers=bearer(runtime, "care_rep"),
                json={"kind": "subpoena", "issuer": "x", "person_id": person, "scope": ["user.name"]},
            ).status_code
            == 403
        )
        report = client.get(
            "/v1/legal/reports/transparency",
            headers=bearer(runtime, "privacy_officer"),
            params={"start": "2020-01-01T00:00:00Z", "end": "2040-01-01T00:00:00Z"},
        )
        assert report.status_code == 200 and report.json()["total"] >= 1
        assert (
            client.get(
                "/v1/legal/reports/transparency",
                headers=lawyer,
                params={"start": "2020-01-01T00:00:00", "end": "2040-01-01T00:00:00Z"},
            ).status_code
            == 422
        )
        hold = client.post(
            "/v1/legal/holds", headers=lawyer, json={"kind": "preservation_2703f", "person_id": person, "reason": "PR-1"}
        )
        assert hold.status_code == 201
        assert client.post(f"/v1/legal/holds/{hold.json()['id']}/renewal", headers=lawyer).status_code == 200
        assert client.post(f"/v1/legal/holds/{hold.json()['id']}/renewal", headers=lawyer).status_code == 409
