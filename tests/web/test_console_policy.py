"""The console's policy page: each loaded version's notice and the classified diff between versions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import POLICIES, make_runtime
from tests.web.conftest import console_client, token_for, web_app


def test_each_version_has_its_notice_and_the_changes_from_the_one_before(engine: Engine, factory: sessionmaker[Session]) -> None:
    runtime = make_runtime(engine, factory, POLICIES / "002-metrofax" / "next", history=(POLICIES / "002-metrofax",))
    with TestClient(web_app(runtime, "002-metrofax")) as web:
        officer = console_client(web, token_for(runtime, "privacy_officer"))
        current = officer.get("/console/policy")
        assert current.status_code == 200
        text = current.text
        assert "version 2016-01 (in force)" in text and 'href="/console/policy?version=2013-12"' in text
        assert "Changes from version 2013-12" in text and "10 change(s), 2 material." in text
        assert '<tr class="material"><td>recipients/ad-data-partners</td><td>yes</td>' in text
        assert "Advertising data partners" in text  # in the new notice
        older = officer.get("/console/policy", params={"version": "2013-12"})
        assert older.status_code == 200
        assert "Rendered notice of version 2013-12" in older.text and "Changes from version" not in older.text
        assert "Advertising data partners" not in older.text  # the notice as it was
        assert officer.get("/console/policy", params={"version": "1999-01"}).status_code == 404
        assert console_client(web, token_for(runtime, "marketing")).get("/console/policy").status_code == 200
        assert TestClient(web.app, follow_redirects=False).get("/console/policy").status_code == 303
