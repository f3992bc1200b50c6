"""The statutory checklists: 17 U.S.C. 512(c)(3)(A) for notices, 512(g)(3) for counter-notices.

A notice missing any of the six elements is deficient (DMCA-01): it is recorded, the complainant
is told exactly what is missing (the prompt contact 512(c)(3)(B)(ii) asks for), and it counts
against no one. The element names shown to people are the pack's own wording
(`programs.copyright.notice_elements`), so the reply quotes the policy the provider published.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from privet.abuse.parse.model import ParsedNotice
from privet.policy.model import PolicyPack

NOTICE_ELEMENTS = ("signature", "work", "material", "contact", "good_faith", "accuracy_and_authority")
COUNTER_ELEMENTS = ("signature", "material_and_location", "mistake_statement", "identity_consent_and_service")

_DEFAULT_WORDING = {
    "signature": "a physical or electronic signature of a person authorized to act for the owner",
    "work": "identification of the copyrighted work claimed to be infringed",
    "material": "identification of the infringing material with information reasonably sufficient to locate it",
    "contact": "information reasonably sufficient to contact the complaining party",
    "good_faith": "a statement of good-faith belief that the use is not authorized by the owner, its agent or the law",
    "accuracy_and_authority": "a statement that the notice is accurate and, under penalty of perjury, that the sender is authorized to act",
    "material_and_location": "identification of the removed material and where it appeared before removal",
    "mistake_statement": "a statement under penalty of perjury of good-faith belief that the removal was a mistake or misidentification",
    "identity_consent_and_service": (
        "name, address and telephone number, consent to the federal district court's jurisdiction and acceptance of service of process"
    ),
}

_SIGNATURE = (
    re.compile(r"^\s*/s/\s*\S", re.M),
    re.compile(r"\b(?:electronic|digital)?\s*signature\s*:\s*\S", re.I),
    re.compile(r"\bsigned\s*(?:by|:|,)\s*\S", re.I),
    re.compile(r"-----BEGIN PGP SIGNATURE-----"),
    re.compile(
        r"^\s*(?:sincerely|regards|best regards|kind regards|respectfully(?: submitted)?|yours (?:truly|faithfully|sincerely))"
        r"\s*,?\s*\n+\s*[A-Z][\w.'\-]+",
        re.I | re.M,
    ),
)
_GOOD_FAITH = re.compile(r"good[\s-]*faith", re.I)
_UNAUTHORIZED = re.compile(
    r"not\s+(?:been\s+)?authori[sz]ed|unauthori[sz]ed|without\s+(?:the\s+)?(?:permission|authori[sz]ation)", re.I
)
_ACCURATE = re.compile(r"\baccurate\b", re.I)
_PERJURY = re.compile(r"penalty\s+of\s+perjury", re.I)
_AUTHORITY = re.compile(
    r"authori[sz]ed\s+to\s+act|on\s+behalf\s+of\s+the\s+(?:copyright\s+)?owner|(?:am|is|are)\s+the\s+(?:copyright\s+)?owner", re.I
)
_WORK = re.compile(r"\b(?:title|copyrighted\s+work|work\s+infringed)\s*:\s*\S", re.I)
_MISTAKE = re.compile(r"mistake|misidentif", re.I)
_URL = re.compile(r"https?://\S+|\blocated\s+at\b|\blocation\s*:", re.I)
_PHONE = re.compile(r"(?:\+?\d[\s.\-()]*){10,}")
_JURISDICTION = re.compile(r"jurisdiction", re.I)
_DISTRICT = re.compile(r"district\s+court", re.I)
_SERVICE = re.compile(r"service\s+of\s+process", re.I)
_ADDRESS = re.compile(
    r"\d+\s+\w+.*\b(?:street|st\.?|avenue|ave\.?|road|rd\.?|lane|ln\.?|drive|dr\.?|blvd|way|court|ct\.?|box)\b", re.I
)


def signed(text: str) -> bool:
    return any(p.search(text) for p in _SIGNATURE)


def notice_elements(notice: ParsedNotice) -> dict[str, bool]:
    """Which of the six 512(c)(3)(A) elements the notice carries (structured fields or its letter)."""
    letter = notice.letter
    return {
        "signature": signed(letter),
        "work": bool(notice.work_title) or bool(_WORK.search(letter)),
        "material": bool(notice.material_url or (notice.source_ip and notice.event_at) or notice.source_number),
        "contact": bool(notice.complainant_email or notice.complainant_phone or notice.complainant_address or notice.reply_to),
        "good_faith": bool(_GOOD_FAITH.search(letter) and _UNAUTHORIZED.search(letter)),
        "accuracy_and_authority": bool(_ACCURATE.search(letter) and _PERJURY.search(letter) and _AUTHORITY.search(letter)),
    }


def counter_notice_elements(text: str) -> dict[str, bool]:
    """Which of the four 512(g)(3) elements a counter-notice's text carries."""
    return {
        "signature": signed(text),
        "material_and_location": bool(_URL.search(text)),
        "mistake_statement": bool(_PERJURY.search(text) and _GOOD_FAITH.search(text) and _MISTAKE.search(text)),
        "identity_consent_and_service": bool(
            _PHONE.search(text)
            and _ADDRESS.search(text)
            and _JURISDICTION.search(text)
            and _DISTRICT.search(text)
            and _SERVICE.search(text)
        ),
    }


def missing(found: dict[str, bool]) -> list[str]:
    return [key for key, present in found.items() if not present]


def wording(pack: PolicyPack, keys: Sequence[str], *, counter: bool = False) -> list[str]:
    """The pack's words for the missing elements (its lists follow the statute's order), else the statute's."""
    program = pack.programs.copyright
    order = COUNTER_ELEMENTS if counter else NOTICE_ELEMENTS
    published = (program.counter_notice_elements if counter else program.notice_elements) if program else []
    out = []
    for key in keys:
        index = order.index(key)
        out.append(published[index] if len(published) == len(order) else _DEFAULT_WORDING[key])
    return out
