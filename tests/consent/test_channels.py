"""Channels end to end: SMS STOP with its one confirmation, RFC 8058 one-click unsubscribe, GPC and DNT."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from privet.consent.links import make_unsubscribe_token
from privet.outbox.tables import OutboxMessage
from privet.regimes.channels import is_stop_keyword
from privet.runtime import Runtime
from privet.store.db import utcnow
from tests.conftest import add_person

Auth = Callable[[str], dict[str, str]]
SMS_MARKETING = {
    "categories": ["user.contact.phone_number"],
    "purpose": "marketing.communications.sms",
    "recipient": "first-party",
    "channel": "sms",
}
EMAIL_MARKETING = {
    "categories": ["user.contact.email"],
    "purpose": "marketing.communications.email",
    "recipient": "first-party",
    "channel": "email",
}


@pytest.mark.parametrize(
    "word", ["STOP", "stop", " Quit ", "END", "revoke", "OPT OUT", "opt   out", "Cancel", "UNSUBSCRIBE", "stop."]
)
def test_every_stop_word_in_any_case_and_spacing_is_a_revocation(word: str) -> None:
    assert is_stop_keyword(word)


@pytest.mark.parametrize("text", ["stop it", "please stop sending", "STOPP", "", "help"])
def test_other_texts_are_not(text: str) -> None:
    assert not is_stop_keyword(text)


def _opt_in_sms(api: TestClient, auth: Auth, person: int) -> None:
    body = {
        "person_id": person,
        "choice": "marketing-sms",
        "value": True,
        "channel": "web_form",
        "evidence": {"form_version": "signup-3"},
    }
    assert api.post("/v1/consent/choices", headers=auth("care_rep"), json=body).status_code == 201


def test_sms_stop_opts_out_and_queues_exactly_one_confirmation(metronet: Runtime, api: TestClient, auth: Auth) -> None:
    person = add_person(metronet, phones=["(316) 555-0144"], services=["broadband", "voice"])
    _opt_in_sms(api, auth, person)
    allowed = api.post("/v1/decisions", headers=auth("marketing"), json={"person_id": person, **SMS_MARKETING}).json()
    assert allowed["allowed"] is True and allowed["basis"] == "opt_in_given"

    reply = api.post(
        "/v1/consent/sms/inbound", headers=auth("service_integration"), json={"from": "+1 316 555 0144", "body": "  Stop "}
    )
    assert reply.status_code == 200
    assert reply.json() == {"stop": True, "person_id": person, "opted_out_of": ["marketing-sms"], "confirmation_queued": True}

    denied = api.post("/v1/decisions", headers=auth("marketing"), json={"person_id": person, **SMS_MARKETING}).json()
    assert denied["allowed"] is False and denied["basis"] == "opt_in_missing"
    with metronet.factory() as session:
        texts = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms_stop_confirmation")).all()
    assert len(texts) == 1 and texts[0].recipient == "+13165550144" and texts[0].channel == "sms"
    assert "no more marketing texts" in texts[0].body

    chatter = api.post(
        "/v1/consent/sms/inbound", headers=auth("service_integration"), json={"from": "+13165550144", "body": "thanks!"}
    )
    assert chatter.json()["stop"] is False


def test_one_click_unsubscribe_works_without_login(metronet: Runtime, api: TestClient, auth: Auth) -> None:
    person = add_person(metronet, emails=["reader@example.net"])
    assert (
        api.post("/v1/decisions", headers=auth("marketing"), json={"person_id": person, **EMAIL_MARKETING}).json()["allowed"]
        is True
    )
    link = api.post(
        "/v1/consent/unsubscribe-links",
        headers=auth("service_integration"),
        json={
            "identity": {"kind": "email", "value": "Reader@Example.net"},
            "choice": "marketing-email",
            "base_url": "https://privacy.example.net",
        },
    ).json()
    assert link["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link["headers"]["List-Unsubscribe"] == f"<https://privacy.example.net/unsubscribe/{link['token']}>"

    landing = api.get(f"/unsubscribe/{link['token']}")
    assert landing.status_code == 200 and '<form method="post"' in landing.text
    assert (
        api.post("/v1/decisions", headers=auth("marketing"), json={"person_id": person, **EMAIL_MARKETING}).json()["allowed"]
        is True
    )

    clicked = api.post(f"/unsubscribe/{link['token']}", data={"List-Unsubscribe": "One-Click"})
    assert clicked.status_code == 200 and "unsubscribed" in clicked.text
    after = api.post("/v1/decisions", headers=auth("marketing"), json={"person_id": person, **EMAIL_MARKETING}).json()
    assert after["allowed"] is False and after["basis"] == "opted_out"
    history = api.get(f"/v1/persons/{person}/choices", headers=auth("privacy_officer")).json()["history"]
    assert history[-1]["channel"] == "email_unsubscribe_link" and history[-1]["legal_deadline_at"] is not None


def test_unsubscribe_links_last_at_least_thirty_days_and_cannot_be_forged(metronet: Runtime, api: TestClient) -> None:
    person = add_person(metronet)
    month_old = make_unsubscribe_token(person, "marketing-email", utcnow() - timedelta(days=31))
    assert api.post(f"/unsubscribe/{month_old}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    stale = make_unsubscribe_token(person, "marketing-email", utcnow() - timedelta(days=61))
    assert api.post(f"/unsubscribe/{stale}", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    _, signature = make_unsubscribe_token(person, "marketing-email", utcnow()).split(".")
    forged = make_unsubscribe_token(person + 1, "marketing-email", utcnow()).split(".")[0] + "." + signature
    response = api.post(f"/unsubscribe/{forged}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400 and "signature" in response.json()["detail"]
    assert api.get("/unsubscribe/garbage").status_code == 400


def _session(api: TestClient, auth: Auth, person: int) -> dict[str, str]:
    token = api.post("/v1/consent/privacy-sessions", headers=auth("service_integration"), json={"person_id": person}).json()[
        "token"
    ]
    return {"Authorization": f"Session {token}"}


def test_gpc_is_recorded_as_a_sale_and_sharing_opt_out_where_ccpa_applies(mettel: Runtime) -> None:
    from privet.access.tokens import create_token
    from privet.api.app import create_app

    with TestClient(create_app(mettel)) as client:
        with mettel.uow("test") as uow:
            token, _ = create_token(uow, name="int", role="service_integration")
        staff = {"Authorization": f"Bearer {token}"}
        californian = add_person(mettel, service_state="CA", billing_state="CA")
        texan = add_person(mettel, service_state="TX", billing_state="TX")
        sale = {
            "categories": ["user.deidentified"],
            "purpose": "third_party_sharing.sale",
            "recipient": "analytics-report-providers",
        }
        assert client.post("/v1/decisions", headers=staff, json={"person_id": californian, **sale}).json()["allowed"] is True

        page = client.get(
            "/privacy/api/me/choices", headers={**_session(client, lambda r: staff, californian), "Sec-GPC": "1"}
        ).json()
        assert page["gpc"] == "Opt-Out Request Honored"
        assert {c["choice"]: c["value"] for c in page["choices"]}["ccpa-sale"] is False
        decision = client.post("/v1/decisions", headers=staff, json={"person_id": californian, **sale}).json()
        assert decision["allowed"] is False and decision["basis"] == "opted_out"
        assert any(r["rule"] == "CCPA-04" and not r["allows"] for r in decision["reasons"])

        again = client.get("/privacy/api/me/choices", headers={**_session(client, lambda r: staff, californian), "Sec-GPC": "1"})
        history = client.get(f"/v1/persons/{californian}/choices", headers=staff).json()["history"]
        assert again.status_code == 200
        assert sum(1 for e in history if e["choice"] == "ccpa-sale") == 1, "a repeated signal must not pile up opt-outs"
        assert sum(1 for e in history if e["choice"] == "signal:gpc") == 2

        texas_page = client.get(
            "/privacy/api/me/choices", headers={**_session(client, lambda r: staff, texan), "Sec-GPC": "1"}
        ).json()
        assert texas_page["gpc"] != "Opt-Out Request Honored"
        assert {c["choice"]: c["value"] for c in texas_page["choices"]}["ccpa-sale"] is True


def test_do_not_track_is_recorded_and_changes_nothing(metronet: Runtime, api: TestClient, auth: Auth) -> None:
    person = add_person(metronet)
    before = api.get("/privacy/api/me/choices", headers=_session(api, auth, person)).json()["choices"]
    page = api.get("/privacy/api/me/choices", headers={**_session(api, auth, person), "DNT": "1"}).json()
    assert page["do_not_track"] == "recorded; our policy does not respond to Do Not Track"
    assert page["choices"] == before
    history = api.get(f"/v1/persons/{person}/choices", headers=auth("privacy_officer")).json()["history"]
    assert [(e["choice"], e["value"]) for e in history] == [("signal:dnt", False)]
    notice = api.get("/v1/policy/notice", headers=auth("marketing")).text
    assert "we do not respond to Do Not Track signals" in notice


def test_privacy_center_needs_a_valid_session(api: TestClient) -> None:
    assert api.get("/privacy/api/me/choices").status_code == 401
    assert api.get("/privacy/api/me/choices", headers={"Authorization": "Session nope.nope"}).status_code == 401


@pytest.mark.parametrize("token", [".\u0080", "é.é", "a.b.c", "", "%00", "x" * 500])
def test_hostile_tokens_are_a_clean_400(api: TestClient, token: str) -> None:
    response = api.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code in (400, 404, 405)
