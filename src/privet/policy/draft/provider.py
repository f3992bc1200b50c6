"""Who publishes the policy, what they sell, how to reach them, and since when the text applies.

A pack must name its provider, service lines and privacy contact, and carry an effective
date. Policies state these in recognisable forms ("Acme ("we", "us")", "Last updated: ...",
an address block, a privacy mailbox); these guesses fill the pack's header and are always
listed in the review report, because a wrong provider name is cheap to fix and expensive to miss.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from privet.policy.draft.segment import Document

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<!\d)(?:\+?1[-.\s]?)?\(?([2-9]\d{2})\)?[-.\s]?(\d{3})[-.\s](\d{4})(?!\d)")
URL = re.compile(r"https?://[^\s)\]>\"']+|\bwww\.[\w-]+(?:\.[\w-]+)+(?:/[^\s)\]>\"']*)?")
STATE_ZIP = re.compile(r",\s*([A-Z]{2})\s+\d{5}")
_DATE_LEAD = re.compile(
    r"(?:last (?:updated|revised|modified|amended)|effective(?: date)?|updated|revised|dated)\s*(?:on|as of|:)?\s*", re.I
)
_DATE_FORMS = ("%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%b. %d, %Y", "%m/%d/%Y", "%Y-%m-%d", "%d %B %Y", "%B %Y")
_DATE_TEXT = re.compile(
    r"((?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
    r"\s+\d{1,2},?\s+\d{4}|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4}"
    r"|(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4})"
)
_NAME_DEFINED = re.compile(
    r"([A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4})[^()]{0,80}\((?:[^()]*?)[\"“']?(?:we|us|our)[\"”']?",
)
_QUOTED_NAME = re.compile(r"\(\s*(?:collectively,?\s*)?(?:referred to as\s*)?(?:the\s*)?[\"“]([A-Z][\w&.'’ -]{1,40}?),?[\"”]")
_LEGAL_NAME = re.compile(
    r"\b([A-Z][\w&'’-]+(?:\s+[A-Z][\w&'’-]+){0,3}),?\s+(?:Inc|LLC|L\.L\.C|Corp|Corporation|Company|Co|Ltd|Limited|LP|L\.P)\b\.?"
)
_TITLE_NAME = re.compile(
    r"^(?:the\s+|this\s+)?([A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,3}?)\s+(?:Internet\s+\w+\s+|Online\s+|Customer\s+|Website\s+|Web\s+Site\s+)?(?:Privacy|Acceptable Use)\b"
)
_GENERIC = {
    "the", "this", "our", "we", "privacy", "policy", "notice", "company", "services", "service", "site", "website", "customer",
    "customers", "information", "personal", "terms", "use", "you", "your", "if", "in", "for", "data", "all", "any", "users",
    "california", "federal", "internet", "online", "acceptable", "table", "contents", "last", "updated", "effective",
    "personally", "identifiable", "proprietary", "network", "statement", "general", "principles", "fcc", "ftc", "u.s",
    "us", "usa", "cpni", "pii", "dmca", "ccpa", "gdpr", "english", "español", "full", "global", "how", "what", "who", "children",
    "llc", "inc", "support", "tv", "legal", "compliance", "officer", "contact", "questions", "copyright", "cookies",
}  # fmt: skip

SERVICE_LINES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "broadband",
        re.compile(
            r"\binternet (?:access|service)|\bbroadband\b|\bhigh[- ]speed (?:internet|data)|\bfiber (?:internet|service)|\bisp\b",
            re.I,
        ),
    ),
    (
        "voice",
        re.compile(
            r"\b(?:tele)?phone service|\bvoice service|\blocal and long[- ]distance|\blong[- ]distance\b|\blandline|\bhome phone\b|\bcalling plans?\b",
            re.I,
        ),
    ),
    ("voip", re.compile(r"\bvoip\b|\bvoice over (?:ip|internet)|\bdigital voice\b|\bsip trunking\b|\bcloud pbx\b", re.I)),
    (
        "wireless",
        re.compile(r"\bwireless service|\bmobile (?:service|phone|device)s?|\bcellular\b|\bmobility\b|\bsmartphones?\b", re.I),
    ),
    ("fax", re.compile(r"\bfax\b|\bfaxes\b|\bfaxing\b", re.I)),
    ("cable", re.compile(r"\bcable (?:tv|television|service)|\bvideo service|\btelevision service|\bset[- ]top box", re.I)),
    ("email", re.compile(r"\be-?mail (?:service|accounts?|addresses we provide)|\bwebmail\b|\bmailbox(?:es)?\b", re.I)),
    ("hosting", re.compile(r"\bweb hosting|\bhosted (?:exchange|services|sites)|\bhosting services|\bcolocation\b", re.I)),
    (
        "managed_it",
        re.compile(r"\bmanaged (?:it|services|firewall|wifi|network)|\bit services\b|\bprofessional services\b", re.I),
    ),
)
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("internet_fax", re.compile(r"\binternet fax|\bonline fax|\bfax service", re.I)),
    ("cable_operator", re.compile(r"\bcable (?:operator|company|television|tv)\b", re.I)),
    ("wireless_carrier", re.compile(r"\bwireless (?:carrier|provider|service)|\bmobile (?:network|carrier)\b", re.I)),
    ("fiber_isp", re.compile(r"\bfiber\b", re.I)),
    ("rural_telecom", re.compile(r"\brural\b|\bcooperative\b|\btelephone company\b", re.I)),
    ("business_carrier", re.compile(r"\bbusiness(?:es)? and government|\benterprise customers|\bbusiness customers\b", re.I)),
    ("local_exchange", re.compile(r"\blocal and long[- ]distance|\blocal exchange|\blocal telephone", re.I)),
)


@dataclass
class ContactGuess:
    email: str | None = None
    phone: str | None = None
    address: list[str] = field(default_factory=list)
    url: str | None = None
    title: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for key in ("title", "email", "phone", "url"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.address:
            out["address"] = list(self.address)
        return out

    def channels(self) -> list[str]:
        return [c for c, present in (("email", self.email), ("phone", self.phone), ("mail", self.address)) if present]


@dataclass
class ProviderGuess:
    name: str
    kind: str
    service_lines: list[str]
    privacy_contact: ContactGuess
    copyright_agent: ContactGuess | None
    effective: date | None
    notes: list[str] = field(default_factory=list)


def _phone(match: re.Match[str]) -> str:
    return f"+1 {match.group(1)} {match.group(2)} {match.group(3)}"


def _contact_from(texts: list[str]) -> ContactGuess:
    guess = ContactGuess()
    joined = "\n".join(texts)
    emails = EMAIL.findall(joined)
    privacy_emails = [e for e in emails if re.search(r"privacy|dmca|copyright|legal|abuse|compliance", e, re.I)]
    guess.email = (privacy_emails or emails or [None])[0]
    guess.email = guess.email.strip("_.") if guess.email else None
    phone = PHONE.search(joined)
    guess.phone = _phone(phone) if phone else None
    for text in texts:
        tail = STATE_ZIP.search(text)
        if tail:
            end = text.find(" ", tail.end())
            window = text[max(0, tail.start() - 90) : end if end > 0 else len(text)]
            cut = max(window.rfind(". "), window.rfind(": "), window.rfind("; "))
            guess.address = [window[cut + 2 if cut >= 0 else 0 :].strip(" ,")]
            break
    urls = [
        u
        for u in URL.findall(joined)
        if "privacy" in u.lower() and not re.search(r"google|ftc\.gov|facebook|aboutads|networkadvertising", u, re.I)
    ]
    guess.url = urls[0] if urls else None
    return guess


def effective_date(doc: Document) -> date | None:
    """The date after 'Last updated', 'Effective', ... in the first part of the text, if any."""
    for segment in doc.segments[:60]:
        lead = _DATE_LEAD.search(segment.text)
        if not lead:
            continue
        found = _DATE_TEXT.search(segment.text, lead.end())
        if not found or found.start() - lead.end() > 40:
            continue
        raw = re.sub(r"\s+", " ", found.group(1).replace(",", ", ")).replace(" ,", ",").replace(",,", ",")
        raw = re.sub(r"\bSept\b", "Sep", raw)
        for form in _DATE_FORMS:
            try:
                return datetime.strptime(raw.replace(", ", ", ").strip(), form).date()
            except ValueError:
                continue
    return None


def _acceptable(name: str) -> bool:
    words = name.lower().split()
    return bool(words) and not any(w.strip(".,") in _GENERIC for w in words) and len(name) <= 60


def _name(doc: Document) -> tuple[str, str]:
    head = " ".join(s.text for s in doc.segments[:25])
    quoted = _QUOTED_NAME.search(head)
    if quoted and _acceptable(quoted.group(1).strip()):
        return quoted.group(1).strip(), "quoted as the party called 'we'"
    for segment in doc.segments[:8]:
        titled = _TITLE_NAME.match(segment.text)
        if titled and _acceptable(titled.group(1)):
            return titled.group(1).strip(), "taken from the title"
    everything = " ".join(s.text for s in doc.segments)
    words = Counter(
        w for w in re.findall(r"\b[A-Z][A-Za-z0-9&]*[A-Z0-9&][A-Za-z0-9&]*\b|\b[A-Z][a-z]+\b", everything) if _acceptable(w)
    )
    early = set(re.findall(r"\b[A-Z]\w+\b", head))
    scored = sorted(
        (
            (n * (2 if w in early else 1) * (2 if (w.isupper() or any(c.isupper() for c in w[1:])) else 1), w)
            for w, n in words.items()
            if n >= 3
        ),
        reverse=True,
    )
    distinctive = [w for score, w in scored if w.isupper() or any(c.isupper() for c in w[1:]) or words[w] >= 10]
    legal: list[str] = []
    for m in _LEGAL_NAME.finditer(everything):
        parts = m.group(1).split()
        while parts and not _acceptable(parts[0]):
            parts.pop(0)
        if parts and _acceptable(" ".join(parts)):
            legal.append(" ".join(parts))
    if distinctive:
        best = distinctive[0]
        return best, "the most frequent proper name"
    if legal:
        return Counter(legal).most_common(1)[0][0], "the name followed by Inc., LLC or similar"
    return doc.title[:60], "the document's first heading"


def guess_provider(doc: Document) -> ProviderGuess:
    """Best guesses for the pack's provider block, with a note on how each was found."""
    text = "\n".join(s.text for s in doc.segments)
    name, how = _name(doc)
    kind = next((k for k, pattern in KINDS if pattern.search(text)), "telecom_provider")
    counts = {line: len(pattern.findall(text)) for line, pattern in SERVICE_LINES}
    lines = [line for line, n in counts.items() if n >= 2 or (n == 1 and line in ("fax", "voip", "cable"))]
    contact_segments = [
        s.text
        for s in doc.segments
        if re.search(r"contact|privacy officer|questions|write to|attn", " ".join((*s.headings, s.text)), re.I)
    ]
    contact = _contact_from(contact_segments + [s.text for s in doc.segments])
    if re.search(r"\bprivacy officer\b", text, re.I):
        contact.title = "Privacy Officer"
    copyright_segments = [
        s.text for s in doc.segments if re.search(r"copyright|dmca|designated agent", " ".join((*s.headings, s.text)), re.I)
    ]
    agent = None
    if copyright_segments and re.search(r"designated agent|dmca", text, re.I):
        agent = _contact_from(copyright_segments)
        agent.title = "Designated copyright agent"
    notes = [
        f"provider name '{name}' {how}",
        f"provider kind '{kind}' guessed from keywords",
        f"service lines guessed from keywords: {lines}",
    ]
    return ProviderGuess(name, kind, lines, contact, agent, effective_date(doc), notes)
