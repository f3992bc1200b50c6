"""What a notice is about: the violation (a pack prohibition kind) and the case kind it files under.

Reports name their subject in many vocabularies (ACNS is always copyright; X-ARF has categories
and types; ARF has feedback types; people write "spam" or "DDoS"). They are mapped once, here,
to the pack's prohibition kinds, and those to the handful of case kinds the desk works, so a
subscriber has one case per kind however the complaints were worded.
"""

from __future__ import annotations

import re
from enum import StrEnum

from privet.policy.model import PolicyPack, Prohibition


class CaseKind(StrEnum):
    COPYRIGHT = "copyright"
    SPAM = "spam"
    MALWARE = "malware"
    NETWORK_ATTACK = "network_attack"
    OPEN_WIFI = "open_wifi"
    SERVER_ON_RESIDENTIAL = "server_on_residential"
    JUNK_FAX = "junk_fax"
    OTHER_AUP = "other_aup"


# Prohibition kinds (policy.model.Prohibition.kind) -> the case they are worked in.
VIOLATION_CASE: dict[str, CaseKind] = {
    "copyright": CaseKind.COPYRIGHT,
    "spam": CaseKind.SPAM,
    "header_forgery": CaseKind.SPAM,
    "malware": CaseKind.MALWARE,
    "network_attack": CaseKind.NETWORK_ATTACK,
    "open_wifi": CaseKind.OPEN_WIFI,
    "server_on_residential": CaseKind.SERVER_ON_RESIDENTIAL,
    "junk_fax": CaseKind.JUNK_FAX,
    "illegal_content": CaseKind.OTHER_AUP,
    "resale": CaseKind.OTHER_AUP,
    "excessive_use": CaseKind.OTHER_AUP,
    "scraping": CaseKind.OTHER_AUP,
    "other_aup": CaseKind.OTHER_AUP,
}
VIOLATIONS = tuple(VIOLATION_CASE)

# Report vocabularies (X-ARF v3 report types, X-ARF v4 categories and types, ARF feedback
# types, words in a complaint) -> violation. The most specific key wins: "type" before "category".
_REPORT_WORDS: dict[str, str] = {
    "copyright": "copyright",
    "p2p": "copyright",
    "cyberlocker": "copyright",
    "infringement": "copyright",
    "dmca": "copyright",
    "spam": "spam",
    "messaging": "spam",
    "bulk": "spam",
    "abuse": "spam",  # ARF Feedback-Type: abuse is a spam complaint (RFC 5965)
    "reputation": "spam",
    "blocklist": "spam",
    "mail_bombing": "spam",
    "auth-failure": "header_forgery",
    "auth_failure": "header_forgery",
    "spoofing": "header_forgery",
    "ip_spoofing": "network_attack",
    "fraud": "illegal_content",
    "phishing": "illegal_content",
    "csam": "illegal_content",
    "virus": "malware",
    "malware": "malware",
    "botnet": "malware",
    "bot": "malware",
    "trojan": "malware",
    "compromised_server": "malware",
    "c2": "malware",
    "ddos": "network_attack",
    "dos": "network_attack",
    "connection": "network_attack",
    "port_scan": "network_attack",
    "port-scan": "network_attack",
    "scan": "network_attack",
    "scanner": "network_attack",
    "login_attack": "network_attack",
    "login-attack": "network_attack",
    "brute_force": "network_attack",
    "bruteforce": "network_attack",
    "hacking": "network_attack",
    "intrusion": "network_attack",
    "open_wifi": "open_wifi",
    "open-wifi": "open_wifi",
    "unsecured_wifi": "open_wifi",
    "open_service": "server_on_residential",
    "open_resolver": "server_on_residential",
    "open_proxy": "server_on_residential",
    "open_relay": "server_on_residential",
    "server": "server_on_residential",
    "junk_fax": "junk_fax",
    "fax": "junk_fax",
    "scraping": "scraping",
    "excessive_use": "excessive_use",
    "resale": "resale",
}


def violation_from_report(*terms: str | None) -> str | None:
    """The violation named by report vocabulary terms, most specific first; None when none is known."""
    for term in terms:
        if not term:
            continue
        key = term.strip().lower().replace(" ", "_")
        if key in _REPORT_WORDS:
            return _REPORT_WORDS[key]
    return None


_TEXT_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("copyright", re.compile(r"\b(copyright|dmca|infring\w*|bittorrent|torrent|pirac\w*)\b", re.I)),
    ("junk_fax", re.compile(r"\b(junk\s+fax\w*|unsolicited\s+fax\w*|fax\s+(spam|advertisement))\b", re.I)),
    ("open_wifi", re.compile(r"\b(open|unsecured)\s+(wi-?fi|wireless)\b", re.I)),
    ("malware", re.compile(r"\b(malware|botnet|virus|trojan|infected|command[- ]and[- ]control)\b", re.I)),
    (
        "network_attack",
        re.compile(r"\b(ddos|denial of service|port ?scan\w*|brute[- ]?force|intrusion|hack\w*|ssh attack)\b", re.I),
    ),
    ("server_on_residential", re.compile(r"\b(open (resolver|proxy|relay)|running a server)\b", re.I)),
    ("spam", re.compile(r"\b(spam\w*|unsolicited (e-?mail|bulk)|phishing)\b", re.I)),
)


def violation_from_text(text: str) -> str | None:
    """The violation a free-text complaint most likely describes (the first cue found, in priority order)."""
    for violation, pattern in _TEXT_CUES:
        if pattern.search(text):
            return violation
    return None


def case_kind(violation: str) -> CaseKind:
    return VIOLATION_CASE.get(violation, CaseKind.OTHER_AUP)


def prohibition_for(pack: PolicyPack, violation: str) -> Prohibition | None:
    """The pack's prohibition this violation breaks: the first of the same kind, else a catch-all of the case kind.

    None means the pack does not prohibit it, so a notice about it counts against no one.
    """
    aup = pack.programs.acceptable_use
    if aup is None:
        return None
    for prohibition in aup.prohibited:
        if prohibition.kind == violation:
            return prohibition
    wanted = case_kind(violation)
    if wanted is CaseKind.OTHER_AUP:
        return next((p for p in aup.prohibited if p.kind == "other_aup"), None)
    return None
