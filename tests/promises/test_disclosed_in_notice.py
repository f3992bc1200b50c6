"""Promises that are disclosures ("we collect…", "we may share … to restore outages") are kept by
telling people: the notice privet renders from the pack states each one."""

from __future__ import annotations

from pathlib import Path

import pytest

from privet.policy.load import load_pack_or_raise
from privet.policy.model import PolicyPack
from privet.policy.promises import load_promises, promises_path
from privet.policy.render import render
from tests.conftest import POLICIES


def _flat(text: str) -> str:
    return " ".join(text.split())


def _element_text(pack: PolicyPack, ref: str) -> list[str]:
    """The sentences of the pack element a promise points at, as they must appear in the notice."""
    section, _, item = ref.partition("/")
    if section == "collection":
        return [c.description for c in pack.collection if c.id == item]
    if section == "rules":
        rule = pack.rule(item)
        return [rule.description] if rule and rule.description else []
    if section == "recipients":
        recipient = pack.recipient(item)
        return [recipient.name] if recipient else []
    if section == "rights":
        right = next((r for r in pack.rights if r.id == item), None)
        if right is None:
            return []
        return [right.description, *_contact_text(pack, right.contact)]
    if ref == "provider.privacy_contact":
        return _contact_text(pack, "privacy")
    if ref == "statements.security":
        return list(pack.statements.security)
    if ref == "statements.other":
        return []  # checked as a whole below
    return []


def _contact_text(pack: PolicyPack, contact_id: str | None) -> list[str]:
    """Where to write for a right: the contact's name and every line of its address, as the notice's contact section gives them."""
    if contact_id is None:
        return []
    contact = pack.provider.privacy_contact if contact_id == "privacy" else pack.provider.other_contacts.get(contact_id)
    if contact is None:
        return [f"(the unknown contact {contact_id})"]  # fails the check below: a right must say where to go
    return [*([contact.name] if contact.name else []), *([contact.title] if contact.title else []), *contact.address]


def marked(request: pytest.FixtureRequest) -> list[str]:
    """The promise ids the running test's marker names: the ids it proves are the ids it checks."""
    marker = request.node.get_closest_marker("promise")
    assert marker is not None and marker.args, "a disclosure test names its promises in its marker"
    return [str(a) for a in marker.args]


def assert_disclosed(pack_dir: Path, ids: list[str]) -> None:
    pack = load_pack_or_raise(pack_dir)
    plist, _, _ = load_promises(promises_path(pack_dir))
    assert plist is not None
    notice = _flat(render(pack, "md"))
    promises = {p.id: p for p in plist.promises}
    for pid in ids:
        promise = promises[pid]
        texts = [t for ref in promise.expressed_by for t in _element_text(pack, ref)]
        if "statements.other" in promise.expressed_by:
            texts += pack.statements.other
        assert texts, f"{pid} points at nothing the notice can state"
        for text in texts:
            assert _flat(text) in notice, f"{pid}: the notice does not state {text!r}"


@pytest.mark.promise(
    "001-P002", "001-P003", "001-P004", "001-P005", "001-P006", "001-P007", "001-P008", "001-P009", "001-P010", "001-P015"
)
def test_mettel_collection_and_use_are_stated_in_its_notice(request: pytest.FixtureRequest) -> None:
    assert_disclosed(POLICIES / "001-mettel", marked(request))


@pytest.mark.promise("002-P003", "002-P004", "002-P026", "002-P027")
def test_metrofax_collection_is_stated_in_its_notice(request: pytest.FixtureRequest) -> None:
    assert_disclosed(POLICIES / "002-metrofax", marked(request))


@pytest.mark.promise(
    "003-P007", "003-P011", "003-P012", "003-P018", "003-P020", "003-P022", "003-P036", "003-P046", "003-P050", "003-P058"
)
def test_mtusa_collection_and_disclosures_are_stated_in_its_notice(request: pytest.FixtureRequest) -> None:
    assert_disclosed(POLICIES / "003-mtusa", marked(request))


@pytest.mark.promise("004-P003", "004-P004", "004-P005", "004-P006")
def test_county_micro_collection_is_stated_in_its_notice(request: pytest.FixtureRequest) -> None:
    assert_disclosed(POLICIES / "004-county-micro", marked(request))


@pytest.mark.promise(
    "000-P075",
    "000-P076",
    "000-P089",
    "000-P090",
    "000-P091",
    "000-P092",
    "000-P093",
    "000-P094",
    "000-P095",
    "000-P096",
    "000-P097",
    "000-P098",
    "000-P099",
    "000-P100",
    "000-P101",
    "000-P102",
    "000-P103",
    "000-P104",
    "000-P107",
    "000-P108",
    "000-P109",
    "000-P144",
    "000-P162",
    "000-P165",
    "000-P166",
    "000-P167",
)
def test_metronet_collection_security_and_where_to_write_are_stated_in_its_notice(request: pytest.FixtureRequest) -> None:
    assert_disclosed(POLICIES / "000-metronet", marked(request))
