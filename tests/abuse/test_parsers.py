"""Parsers: the real samples, the quirks real senders have, and input that must be refused, not crash."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privet.abuse.parse import Refused, parse_notice
from privet.abuse.parse.acns import find_inline
from privet.abuse.settings import AbuseSettings
from privet.abuse.timeparse import parse_time
from tests.abuse.conftest import letter, pgp_inline, sample

S = AbuseSettings()


def test_acns_attachment_from_ip_echelon() -> None:
    notice = parse_notice(letter(sample("acns-ipechelon-paramount-314620451.xml")), S)
    assert (notice.format, notice.violation, notice.sender_case_id) == ("acns", "copyright", "314620451")
    assert (notice.source_ip, notice.source_port) == ("192.168.2.200", 35657)
    assert notice.event_at == datetime(2015, 11, 13, 20, 35, 3, tzinfo=UTC)
    assert notice.complainant == "Paramount Pictures Corporation"
    assert notice.work_title == "Mission: Impossible - Rogue Nation"
    assert "fb3126d027fc9e7f88c350d2c695f1ef007e6ab3" in (notice.material or "")
    assert notice.message_id == "<n1@complainant.example>"
    assert "penalty of perjury" in notice.letter


def test_acns_inline_in_a_pgp_signed_body_with_dash_escaped_markers() -> None:
    notice = parse_notice(pgp_inline(sample("acns-irdeto-starz-312-200234534.xml")), S)
    assert notice.format == "acns" and notice.sender_case_id == "312-200234534"
    assert (notice.source_ip, notice.source_port) == ("10.0.2.100", 34890)
    assert notice.event_at == datetime(2015, 9, 4, 13, 19, 53, tzinfo=UTC)
    assert notice.details["file_name"] == "Power 2014 S01E02 HDTV x264-KILLERS [eztv]"


def test_acns_full_example_with_its_misspelt_xsi_namespace() -> None:
    notice = parse_notice(sample("acns-1.2-full-example-parse-acns.xml"), S)
    assert notice.sender_case_id == "A1234567" and notice.source_ip == "168.1.1.145"
    assert notice.details["dns_name"] == "pcp574.nshville.tn.ispbroadband.net"
    assert "Dear ISP" in notice.letter and not notice.retraction


def test_bare_acns_reply_goes_to_the_complainant() -> None:
    notice = parse_notice(sample("acns-ipechelon-paramount-314620451.xml"), S)
    assert notice.complainant_email == "copyright@ip-echelon.com" and notice.case_key == "ip-echelon.com|314620451"


def test_xarf_v4_and_v3_samples() -> None:
    v4 = parse_notice(sample("xarf-v4-copyright-p2p.json"), S)
    assert (v4.format, v4.violation, v4.source_ip, v4.source_port) == ("xarf4", "copyright", "192.0.2.100", None)
    assert v4.sender_case_id == "2acc5d8c-15ba-4432-8ee1-08c657711c63" and v4.complainant == "Film Studio Corp"
    v3 = parse_notice(sample("xarf-v3-copyright-sample.json"), S)
    assert (v3.format, v3.source_ip, v3.source_port) == ("xarf3", "192.0.2.55", 54321)
    assert v3.event_at == datetime(2018, 2, 5, 18, 17, 10, tzinfo=UTC)
    assert v3.reply_to == "reports@example.com"


def test_xarf_attached_to_an_email() -> None:
    notice = parse_notice(letter(sample("xarf-v4-copyright-p2p.json"), filename="report.json", mime="application/json"), S)
    assert notice.format == "xarf4" and notice.source_ip == "192.0.2.100" and "good faith" in notice.letter


def test_arf_feedback_report() -> None:
    notice = parse_notice(sample("arf-rfc5965-sisimai-arf-01.eml"), S)
    assert (notice.format, notice.violation, notice.source_ip) == ("arf", "spam", "192.0.2.89")
    assert notice.event_at == datetime(2009, 4, 29, tzinfo=UTC)
    assert notice.message_id == "<000000000000000.000000000000@x34.mx.example.net>"
    assert notice.details["reported_domain"] == "example.ed.jp"


def test_real_sender_quirks_are_tolerated() -> None:
    xml = (
        b"<Infringement><Case><ID>Q-1</ID></Case><Complainant><Entity>Tom & Jerry Films</Entity>"
        b"<Email>n@tj.example</Email></Complainant><Source><TimeStamp>09/04/2015 13:19:53 EST</TimeStamp>"
        b"<IP_Address>203.0.113.9</IP_Address><Port>6881</Port></Source>"
        b"<Content><Item><Title>Cat & Mouse</Title></Item></Content></Infringement>"
    )
    notice = parse_notice(xml, S)
    assert notice.complainant == "Tom & Jerry Films" and notice.work_title == "Cat & Mouse"
    assert notice.event_at == datetime(2015, 9, 4, 18, 19, 53, tzinfo=UTC)
    assert "namespace" not in notice.details


def test_unreadable_acns_timestamp_goes_to_review() -> None:
    xml = b"<Infringement><Source><TimeStamp>last tuesday</TimeStamp><IP_Address>203.0.113.9</IP_Address></Source></Infringement>"
    notice = parse_notice(xml, S)
    assert notice.needs_review and "last tuesday" in (notice.review_reason or "")


@pytest.mark.parametrize(
    ("text", "expected", "assumed"),
    [
        ("2015-09-04T13:19:53.000Z", datetime(2015, 9, 4, 13, 19, 53, tzinfo=UTC), False),
        ("2015-09-04 13:19:53", datetime(2015, 9, 4, 13, 19, 53, tzinfo=UTC), True),
        ("Thu, 29 Apr 2009 00:00:00 -0000 (EST)", datetime(2009, 4, 29, tzinfo=UTC), False),
        ("Fri Sep 04 13:19:53 UTC 2015", datetime(2015, 9, 4, 13, 19, 53, tzinfo=UTC), False),
        ("Sep 4, 2015 1:19 PM PDT", datetime(2015, 9, 4, 20, 19, tzinfo=UTC), False),
        ("1441372793", datetime(2015, 9, 4, 13, 19, 53, tzinfo=UTC), False),
    ],
)
def test_tolerant_time_parsing(text: str, expected: datetime, assumed: bool) -> None:
    found = parse_time(text)
    assert found is not None and (found.at, found.assumed_utc) == (expected, assumed)


@pytest.mark.parametrize("text", ["", "soon", "32/13/2015 25:00", "x" * 200, "1800-01-01T00:00:00Z"])
def test_times_that_are_not_times(text: str) -> None:
    assert parse_time(text) is None


BOMB = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><Infringement>&lol2;</Infringement>'
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Infringement><Notes>&xxe;</Notes></Infringement>'


def _nested(depth: int) -> bytes:
    head = "From: a@b.example\nSubject: nested\nMIME-Version: 1.0\n"
    parts = []
    for i in range(depth):
        parts.append(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n')
    return (head + "".join(parts) + "Content-Type: text/plain\n\nhello\n").encode()


def _many_parts(count: int) -> bytes:
    message = EmailMessage()
    message["From"] = "a@b.example"
    message.set_content("x")
    for i in range(count):
        message.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=f"{i}.bin")
    return bytes(message)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (BOMB, "DTD or entities"),
        (XXE, "DTD or entities"),
        (letter(BOMB), "DTD or entities"),
        (b"<Infringement><Case><ID>1</ID></Case", "not well-formed"),
        (b"<StatusUpdate/>", "not notices privet acts on"),
        (_nested(400), "nested"),
        (_many_parts(250), "MIME"),
        (b"{" * 100_000 + b"}" * 100_000, "JSON"),
        (b'{"hello": "world"}', "not an X-ARF report"),
        (b"[1, 2, 3]", "JSON"),
        (b"\x00\x01\x02binary\x00" * 10, "binary"),
        (b"   \n\n ", "empty"),
        (b"X-Big: " + b"a" * 300_000 + b"\n\nbody", "header section"),
    ],
    ids=[
        "entity-bomb",
        "xxe",
        "bomb-attached",
        "malformed-xml",
        "other-acns",
        "deep-mime",
        "many-parts",
        "deep-json",
        "not-xarf",
        "json-list",
        "binary",
        "empty",
        "huge-header",
    ],
)
def test_hostile_input_is_refused_with_a_reason(raw: bytes, why: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_notice(raw, S)
    assert why in refused.value.reason


def test_an_attachment_over_the_size_limit_is_refused() -> None:
    small = AbuseSettings(max_message_bytes=256 * 1024)
    big = letter(b"A" * (300 * 1024), filename="movie.bin", mime="application/octet-stream")
    with pytest.raises(Refused, match="more than the 262144 allowed"):
        parse_notice(big, small)


def test_malformed_headers_do_not_crash() -> None:
    raw = b"From: =?utf-8?q?broken\nSubject: =?bogus?x?zz?=\nMessage-ID: <<<>>>\nContent-Type: multipart/mixed; boundary=\n\nSpam from 198.51.100.23 port 25 at 2024-05-01 10:00:00 UTC\n"
    notice = parse_notice(raw, S)
    assert notice.format == "text" and notice.source_ip == "198.51.100.23" and notice.needs_review


def test_plain_text_extraction_has_a_confidence_and_always_needs_review() -> None:
    clear = parse_notice(
        b"From: victim@example.org\nSubject: spam\n\nI received spam from 203.0.113.50:2525 on 2024-05-01T10:15:00Z.\n", S
    )
    assert (clear.source_ip, clear.source_port, clear.violation) == ("203.0.113.50", 2525, "spam")
    assert clear.event_at == datetime(2024, 5, 1, 10, 15, tzinfo=UTC) and clear.needs_review
    vague = parse_notice(b"From: victim@example.org\n\nsomeone keeps attacking us from 198.51.100.1 and 198.51.100.2\n", S)
    assert vague.confidence < clear.confidence and vague.needs_review
    assert vague.details["addresses_seen"] == ["198.51.100.1", "198.51.100.2"]


def test_junk_fax_complaint_yields_the_sending_number() -> None:
    notice = parse_notice(
        b"From: office@example.org\n\nWe got a junk fax from fax number (316) 555-0199 on 05/01/2024 10:00 AM EST.\n", S
    )
    assert notice.violation == "junk_fax" and notice.source_number == "+13165550199" and notice.source_ip is None


def test_inline_finder_ignores_letters_without_acns() -> None:
    assert find_inline("Nothing to see here") is None
    assert find_inline("see <Infringement><Case/></Infringement> above") == "<Infringement><Case/></Infringement>"


def test_xarf_report_without_an_address_needs_review() -> None:
    body = json.dumps({"xarf_version": "4.0.0", "category": "messaging", "type": "spam", "reporter": {"contact": "r@x.example"}})
    notice = parse_notice(body.encode(), S)
    assert notice.needs_review and "no source address" in (notice.review_reason or "")


_SEEDS = [
    ACNS := b"<Infringement><Case><ID>1</ID></Case><Source><IP_Address>192.0.2.1</IP_Address></Source></Infringement>",
    letter(ACNS),
    b'{"xarf_version": "4.0.0", "category": "messaging", "type": "spam", "source_identifier": "192.0.2.1"}',
    b"From: a@b.example\nContent-Type: multipart/report; report-type=feedback-report; boundary=x\n\n--x\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nSource-IP: 192.0.2.1\n--x--\n",
]


@settings(max_examples=300, deadline=None)
@given(seed=st.sampled_from(_SEEDS), cuts=st.lists(st.tuples(st.integers(0, 4000), st.binary(max_size=8)), max_size=6))
def test_mangled_notices_are_parsed_or_refused_never_crash(seed: bytes, cuts: list[tuple[int, bytes]]) -> None:
    """Real shapes with bytes spliced in anywhere: the parser answers with a notice or a refusal, nothing else."""
    raw = bytearray(seed)
    for at, junk in cuts:
        position = at % (len(raw) + 1)
        raw[position : position + len(junk)] = junk
    with contextlib.suppress(Refused):
        parse_notice(bytes(raw), S)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_are_parsed_or_refused_never_crash(raw: bytes) -> None:
    with contextlib.suppress(Refused):
        parse_notice(raw, S)
