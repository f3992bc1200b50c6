"""A material-change announcement speaks the reader's words, not the pack's keys."""

from __future__ import annotations

from privet.consent.announcements import said
from privet.policy.diff import Change
from privet.policy.load import load_pack_or_raise
from tests.conftest import POLICIES

NEXT = load_pack_or_raise(POLICIES / "002-metrofax" / "next")


def test_keys_ids_and_bases_are_named_and_each_change_is_said_once() -> None:
    changes = [
        Change("recipients/ad-data-partners", True, "new recipient of personal information", after="Advertising data partners"),
        Change("rules/usage-profile-to-ad-partners", True, "new recipient of personal information", after="ad-data-partners"),
        Change("rules/x", True, "new use of a new category", after="marketing.advertising.third_party -> ad-data-partners"),
        Change("rules/y", True, "consent weakened for an existing use", after="unless_opted_out"),
        Change(
            "rules/z.categories", True, "more categories used for this purpose", after="user.contact.email, user.device.cookie_id"
        ),
        Change("choices/m", True, "choice removed", before="Marketing emails"),
        Change("statements.children", True, "handling of children's information changed"),
    ]
    assert said(NEXT, changes) == [
        "New recipient of personal information: Advertising data partners",
        "New use of a new category: Third Party Advertising, by Advertising data partners",
        "Consent weakened for an existing use: unless you opt out",
        "More categories used for this purpose: User Contact Email, Cookie ID",
        "Choice removed: Marketing emails",
        "Handling of children's information changed",
    ]
