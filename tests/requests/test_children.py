"""A child under 13 found without parental consent: privet opens the deletion itself (seed 002)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from privet.requests import children
from tests.conftest import add_person
from tests.requests.conftest import Provider


def _kid(p: Provider, **fields: object) -> int:
    p.systems.execute(
        "crm", "INSERT INTO contacts (id, email, full_name, notes) VALUES (390, 'kid@example.net', 'Kim Kid', 'likes games')"
    )
    return add_person(p.runtime, full_name="Kim Kid", emails=["kid@example.net"], service_state="CA", **fields)


@pytest.mark.promise("002-P031")
def test_a_child_found_without_parental_consent_has_their_data_deleted(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("metrofax")
    kid = _kid(p, age_band="under_13")
    with p.runtime.uow("privet") as uow:
        opened = children.sweep(uow, p.runtime.pack)
        assert [(r.person_id, r.kind, r.regime, r.status, r.submitted_by) for r in opened] == [
            (kid, "delete", "coppa", "verified", "system")
        ]
        request_id = opened[0].id
    with p.runtime.uow("privet") as uow:
        assert children.sweep(uow, p.runtime.pack) == []  # one deletion per child, not one per sweep
    result = p.execute(request_id)
    assert result.status == "completed"
    row = p.systems.rows("crm", "contacts")[390]
    assert row["email"] is row["full_name"] is row["notes"] is None
    assert p.systems.rows("crm", "contacts")[300]["email"] == "alice@example.net"


@pytest.mark.promise("002-P031")
def test_a_request_that_reveals_a_child_opens_the_deletion_too(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("metrofax")
    kid = _kid(p, birth_date=date(date.today().year - 9, 1, 1))
    req = p.submit("shine_the_light", who={"identity": {"kind": "email", "value": "kid@example.net"}})
    from sqlalchemy import select

    from privet.requests.tables import DataRequest

    with p.runtime.uow("test") as uow:
        kinds = {(r.kind, r.regime) for r in uow.session.scalars(select(DataRequest).where(DataRequest.person_id == kid))}
    assert kinds == {("shine_the_light", "shine_the_light"), ("delete", "coppa")} and req.person_id == kid


def test_no_deletion_when_a_parent_consented(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("metrofax")
    _kid(p, age_band="under_13", parental_consent=True)
    with p.runtime.uow("privet") as uow:
        assert children.sweep(uow, p.runtime.pack) == []


def test_no_deletion_where_the_pack_promises_none(local_provider_for: Callable[[str], Provider]) -> None:
    mettel = local_provider_for("mettel")  # statements.children_found: none
    add_person(mettel.runtime, full_name="Young One", emails=["young@example.net"], age_band="under_13")
    with mettel.runtime.uow("privet") as uow:
        assert children.sweep(uow, mettel.runtime.pack) == []
