"""The privacy center posts what changed since the previous version, material changes first.

The packs tell readers to come back to the policy page because it changes; privet makes the
page say what changed, so coming back is worth something.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.decide.engine import Request
from privet.policy.model import Basis, PolicyPack
from privet.regimes.base import SubjectFacts
from privet.runtime import Runtime
from tests.conftest import POLICIES, make_runtime
from tests.web.conftest import web_app


def _without_one_sharing_rule(pack: PolicyPack) -> tuple[PolicyPack, str]:
    """An earlier version of `pack`: a year older, and without its first rule that shares with someone outside."""
    rule = next(r for r in pack.rules if r.basis is not Basis.NEVER and r.recipient not in (None, "self", "first_party"))
    meta = pack.pack.model_copy(update={"version": "earlier", "effective": pack.pack.effective - timedelta(days=365)})
    return pack.model_copy(update={"pack": meta, "rules": [r for r in pack.rules if r.id != rule.id]}), rule.id


def _runtime_with_earlier(engine: Engine, factory: sessionmaker[Session], name: str) -> tuple[Runtime, str]:
    runtime = make_runtime(engine, factory, POLICIES / name)
    earlier, rule_id = _without_one_sharing_rule(runtime.pack)
    return Runtime(engine, factory, runtime.pack, runtime.policy_version_id, (earlier,)), rule_id


@pytest.mark.promise("000-P004", "001-P084", "003-P002", "004-P043", "004-P045")
@pytest.mark.parametrize("name", ["000-metronet", "001-mettel", "003-mtusa", "004-county-micro"])
def test_the_policy_page_is_dated_and_announces_material_changes(
    engine: Engine, factory: sessionmaker[Session], name: str
) -> None:
    runtime, rule_id = _runtime_with_earlier(engine, factory, name)
    with TestClient(web_app(runtime, name)) as web:
        text = web.get("/privacy").text
    pack = runtime.pack.pack
    assert f"Version {pack.version}, effective {pack.effective.isoformat()}" in text
    assert f"What changed on {pack.effective.isoformat()}" in text
    assert "Material change:" in text and f"rules/{rule_id}" in text
    assert text.index("What changed") < text.index('class="policy-notice"')  # before the notice, where a returning reader looks


@pytest.mark.promise("002-P090")
def test_minor_changes_are_posted_beside_the_material_ones(engine: Engine, factory: sessionmaker[Session]) -> None:
    runtime = make_runtime(engine, factory, POLICIES / "002-metrofax" / "next", history=(POLICIES / "002-metrofax",))
    with TestClient(web_app(runtime, "002-metrofax")) as web:
        text = web.get("/privacy").text
    section = text[text.index("What changed") : text.index('class="policy-notice"')]
    assert "Material change:</strong> New recipient of personal information" in section
    assert "New choice offered" in section and "choices/ad-partner-sharing" in section  # not material, still posted
    assert "pack.version" not in section  # bookkeeping stays out


def test_a_first_version_has_no_changes_section(engine: Engine, factory: sessionmaker[Session]) -> None:
    runtime = make_runtime(engine, factory, POLICIES / "004-county-micro")
    with TestClient(web_app(runtime, "004-county-micro")) as web:
        assert "What changed" not in web.get("/privacy").text


@pytest.mark.promise("004-P044")
def test_a_posted_change_governs_decisions_at_once(engine: Engine, factory: sessionmaker[Session]) -> None:
    """County Micro does not keep older data under the older version: the new rule applies the moment it is loaded."""
    runtime, rule_id = _runtime_with_earlier(engine, factory, "004-county-micro")
    assert not runtime.pack.statements.older_data_keeps_version
    rule = next(r for r in runtime.pack.rules if r.id == rule_id)
    request = Request(tuple(rule.categories), rule.purpose, rule.recipient)
    facts = SubjectFacts(collected_under="earlier", account_type="residential", account_status="active", state="KS")
    decision = runtime.decider.decide(request, facts, datetime.now(UTC))
    assert decision.policy_version == runtime.pack.pack.version and decision.rule == rule_id
