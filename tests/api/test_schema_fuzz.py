"""Schemathesis generates requests from the published OpenAPI document: no input may produce a 5xx.

Runs as the admin (so every route is reached past the permission check) against a real
SQLite database holding the sample subscribers.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.policy.load import load_pack_or_raise
from privet.runtime import Runtime, register_policy_version
from privet.store.db import make_engine, session_factory
from privet.store.migrate import upgrade
from privet.subjects.importing import parse_rows, read_file
from privet.subjects.service import import_records
from tests.conftest import POLICIES, ROOT


@pytest.fixture(scope="module")
def admin_app() -> tuple[object, str]:
    folder = Path(tempfile.mkdtemp(prefix="privet-fuzz-"))
    engine = make_engine(f"sqlite:///{folder / 'fuzz.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    pack = load_pack_or_raise(POLICIES / "000-metronet")
    runtime = Runtime(engine, factory, pack, register_policy_version(factory, pack, hashlib.sha256(b"fuzz").hexdigest()))
    records, _ = parse_rows(read_file(ROOT / "tests" / "data" / "subscribers.csv"))
    with runtime.uow("test") as uow:
        import_records(uow, records, runtime.policy_version_id)
        token, _ = create_token(uow, name="fuzz", role="admin")
    return create_app(runtime), token


def test_no_input_produces_a_server_error(admin_app: tuple[object, str]) -> None:
    app, token = admin_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=(not_a_server_error,))

        fuzz()
