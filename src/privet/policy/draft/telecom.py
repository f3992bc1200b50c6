"""Telecom statements OPP-115 never annotated, recognised by rules.

OPP-115 is a corpus of website policies: it has no label for CPNI, 911, directory listings,
caller ID, legal process, acceptable-use or copyright programs, yet those are the promises a
carrier's policy exists to make. Each tag here is a pattern plus the pack elements it implies;
the drafter counts every hit so a reviewer can see how much of a draft came from this
extension set rather than from the classifier.
"""

from __future__ import annotations

import re

TAGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cpni", re.compile(r"\bcpni\b|\bcustomer proprietary network information\b", re.I)),
    (
        "emergency_911",
        re.compile(
            r"\be?911\b|\bpsaps?\b|\bpublic safety answering\b|\bemergency (?:services|responders|calls?|dispatch)\b", re.I
        ),
    ),
    (
        "directory_listing",
        re.compile(
            r"\bdirectory (?:listings?|assistance|information|publishers?)\b|\bwhite pages\b|\byellow pages\b|\bnon-?published\b|\bunlisted (?:number|listing)\b",
            re.I,
        ),
    ),
    (
        "caller_id",
        re.compile(
            r"\bcaller[- ]id\b|\bcalling (?:number|name|party) (?:delivery|identification|information)\b|\*67\b|\bper-?(?:call|line) blocking\b",
            re.I,
        ),
    ),
    (
        "law_enforcement",
        re.compile(
            r"\bsubpoenas?\b|\bcourt orders?\b|\bwarrants?\b|\blaw enforcement\b|\blegal process\b|\bnational security\b|\bcalea\b|\blawful (?:intercept|requests?|process|orders?)\b",
            re.I,
        ),
    ),
    (
        "acceptable_use",
        re.compile(
            r"\bacceptable use\b|\bprohibited (?:activities|uses?|conduct)\b|\bunsolicited (?:bulk |commercial )?(?:e-?mail|messages|fax)|\bspam\b|\bdenial of service\b|\bport scan|\bmalware\b|\bviruses?\b|\bresell\b",
            re.I,
        ),
    ),
    (
        "copyright",
        re.compile(
            r"\bcopyright\b|\bdmca\b|\bdigital millennium\b|\bdesignated agent\b|\brepeat infringers?\b|\bcounter[- ]notifications?\b",
            re.I,
        ),
    ),
    (
        "network_management",
        re.compile(
            r"\bnetwork management\b|\bmanage (?:our |the )?network\b|\bnetwork (?:congestion|traffic management)\b", re.I
        ),
    ),
    (
        "credit_fcra",
        re.compile(r"\bfair credit reporting\b|\bfcra\b|\bcredit bureaus?\b|\bconsumer reporting agenc(?:y|ies)\b", re.I),
    ),
    (
        "cable_privacy",
        re.compile(r"\bcable (?:communications )?policy act\b|\b47 u\.?s\.?c\.?\s*(?:§\s*)?551\b|\bsection 631\b", re.I),
    ),
)

AUP_CONTEXT = re.compile(r"acceptable use|\baup\b|prohibited|misuse|security violations?|user content|\bservers\b", re.I)
COPYRIGHT_SECTION = re.compile(r"copyright|dmca|digital millennium|infring", re.I)

PROHIBITION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("junk_fax", re.compile(r"\bjunk fax|\bunsolicited fax", re.I)),
    ("copyright", re.compile(r"\bcopyright|\bintellectual property|\binfring", re.I)),
    ("spam", re.compile(r"\bspam\b|\bunsolicited\b|\bbulk (?:e-?mail|messages)|\bcan-?spam\b|\bmass mailing", re.I)),
    (
        "malware",
        re.compile(r"\bvirus|\bmalware|\bworms?\b|\btrojan|\bbotnet|\bcancelbot|\bharmful (?:code|software|feature)", re.I),
    ),
    ("header_forgery", re.compile(r"\bforg\w*|\bspoof\w*|\bheaders?\b|\bfalsif\w*", re.I)),
    (
        "network_attack",
        re.compile(
            r"\bhack\w*|\bdenial of service|\bport scan|\bprob(?:e|ing)\b|\bbreach (?:the )?security|\bcircumvent|\bunauthori[sz]ed access|\binterfer\w*|\bdisrupt\w*",
            re.I,
        ),
    ),
    ("open_wifi", re.compile(r"\bopen (?:wi-?fi|wireless)|\bunsecured (?:wi-?fi|wireless|network)", re.I)),
    ("server_on_residential", re.compile(r"\bservers?\b", re.I)),
    ("resale", re.compile(r"\bresell|\bresale|\bredistribut", re.I)),
    (
        "excessive_use",
        re.compile(r"\bexcessive\b|\blarge amounts of data|\bbandwidth\b|\busage limits?\b|\bbeyond typical", re.I),
    ),
    ("scraping", re.compile(r"\bharvest\w*|\bscrap\w*|\bcollect or store personal data about other", re.I)),
    (
        "illegal_content",
        re.compile(
            r"\bobscen\w*|\bdefamat\w*|\bharass\w*|\bthreat\w*|\blibel\w*|\bchild (?:pornography|sexual)|\bharmful to minors|\boffensive",
            re.I,
        ),
    ),
)

LADDER_STEPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("educational_notice", re.compile(r"\beducational (?:notice|message)|\binform (?:you|the customer) of\b", re.I)),
    ("warning", re.compile(r"\bwarn\w*", re.I)),
    ("acknowledgement_required", re.compile(r"\backnowledg\w*", re.I)),
    ("temporary_suspension", re.compile(r"\bsuspen\w*", re.I)),
    ("termination", re.compile(r"\bterminat\w*", re.I)),
)


def tags(text: str) -> list[str]:
    """Telecom tags whose pattern occurs in `text`."""
    return [name for name, pattern in TAGS if pattern.search(text)]


def prohibition_kind(text: str) -> str:
    """The pack's prohibition kind for an acceptable-use clause, 'other_aup' when none fits."""
    for name, pattern in PROHIBITION_KINDS:
        if pattern.search(text):
            return name
    return "other_aup"
