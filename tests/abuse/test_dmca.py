"""The statutory checklists: six elements for a notice (512(c)(3)), four for a counter-notice (512(g)(3))."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from privet.abuse import dmca
from privet.abuse.parse.model import ParsedNotice
from privet.policy.load import load_pack_or_raise
from tests.abuse.conftest import METRONET, STATEMENTS

COUNTER = (
    "I, Sam Subscriber, 12 Elm Street, Wichita KS 67202, phone (316) 555-0101, ask that the material at "
    "https://home.metronet.example/~sam/photos be restored.\n"
    "I swear, under penalty of perjury, that I believe in good faith the files were taken down "
    "by mistake or through misidentification.\n"
    "I accept the jurisdiction of the federal district court where I live, "
    "and I will accept service of process from the person who provided the notification or an agent of such person.\n"
    "/s/ Sam Subscriber"
)


def _notice(**fields: object) -> ParsedNotice:
    base: dict[str, object] = {
        "format": "acns",
        "violation": "copyright",
        "work_title": "A Film",
        "source_ip": "203.0.113.9",
        "event_at": datetime(2025, 1, 1, tzinfo=UTC),
        "complainant_email": "n@studio.example",
        "letter": STATEMENTS + "\n\n/s/ Alex Rivera",
    }
    base.update(fields)
    return ParsedNotice(**base)  # type: ignore[arg-type]


@pytest.mark.promise("000-P060", "000-P061", "000-P062", "000-P063", "000-P064", "000-P065", "000-P066")
def test_each_of_the_six_notice_elements_is_required() -> None:
    assert dmca.missing(dmca.notice_elements(_notice())) == []
    cases = {
        "signature": _notice(letter=STATEMENTS),
        "work": _notice(work_title=None),
        "material": _notice(source_ip=None, event_at=None),
        "contact": _notice(complainant_email=None),
        "good_faith": _notice(
            letter="The information in this notification is accurate, and under penalty of perjury, we are authorized to act.\n/s/ A"
        ),
        "accuracy_and_authority": _notice(
            letter="We have a good faith belief that the use is not authorized by the owner.\n/s/ A"
        ),
    }
    for element, notice in cases.items():
        assert dmca.missing(dmca.notice_elements(notice)) == [element], element


def test_signatures_take_the_forms_notices_use() -> None:
    for text in (
        "/s/ Jane Doe",
        "Signature: Jane Doe",
        "Signed by: Jane Doe",
        "Sincerely,\nJane Doe",
        "-----BEGIN PGP SIGNATURE-----",
    ):
        assert dmca.signed(text), text
    assert not dmca.signed("Thanks for your help")


@pytest.mark.promise("000-P067", "000-P068", "000-P069", "000-P070", "000-P071")
def test_each_of_the_four_counter_notice_elements_is_required() -> None:
    assert dmca.missing(dmca.counter_notice_elements(COUNTER)) == []
    assert dmca.missing(dmca.counter_notice_elements(COUNTER.replace("/s/ Sam Subscriber", ""))) == ["signature"]
    no_url = COUNTER.replace("https://home.metronet.example/~sam/photos", "my photos")
    assert dmca.missing(dmca.counter_notice_elements(no_url)) == ["material_and_location"]
    assert dmca.missing(dmca.counter_notice_elements(COUNTER.replace("under penalty of perjury, ", ""))) == ["mistake_statement"]
    assert dmca.missing(dmca.counter_notice_elements(COUNTER.replace("service of process", "letters"))) == [
        "identity_consent_and_service"
    ]


def test_missing_elements_are_named_in_the_packs_own_words() -> None:
    pack = load_pack_or_raise(METRONET)
    assert pack.programs.copyright is not None
    words = dmca.wording(pack, ["signature", "accuracy_and_authority"])
    assert words == [pack.programs.copyright.notice_elements[0], pack.programs.copyright.notice_elements[5]]
    assert dmca.wording(pack, ["mistake_statement"], counter=True) == [pack.programs.copyright.counter_notice_elements[2]]
