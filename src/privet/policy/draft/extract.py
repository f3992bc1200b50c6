"""Read one sentence as a privacy statement: who does what to which data, for whom, and whether not.

A pack rule needs an action (collect, use, share, sell, retain), data categories, a purpose, a
recipient and a basis. This module pulls those out of a sentence with the lexicon, and treats
negation as a first-class result: "we will not share ... except with your consent" is the most
important promise in a policy, so it is kept with its exceptions instead of being read as
"share". Negations whose subject is the customer ("you may not resell the service") are
acceptable-use prohibitions, not promises by the provider, and are marked as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from privet.policy.draft import lexicon
from privet.policy.model import Period

ACTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "sell",
        re.compile(
            r"\b(?:sell|sells|sold|selling|resell|resells|rent|rents|rented|renting|trade|trades|traded|trading|lease|leases|leased)\b",
            re.I,
        ),
    ),
    (
        "share",
        re.compile(
            r"\b(?:share[sd]?|sharing|disclos\w*|transfer\w*|releas\w*|distribut\w*|furnish\w*|reveal\w*|give|gives|given|giving|"
            r"provide[sd]?|providing|ma(?:k|d)e (?:it |them )?available|permit access|pass(?:ed|es)? (?:it |them )?(?:on|along)|send|sends|sent)\b",
            re.I,
        ),
    ),
    (
        "collect",
        re.compile(
            r"\b(?:collect\w*|gather\w*|obtain\w*|receiv\w*|record(?:s|ed|ing)?|captur\w*|ask (?:you )?for|solicit\w*)\b", re.I
        ),
    ),
    (
        "use",
        re.compile(
            r"\b(?:use|uses|used|using|process(?:es|ed|ing)?|analy[sz]\w*|combin\w*|monitor\w*|market to|contact)\b", re.I
        ),
    ),
    ("retain", re.compile(r"\b(?:retain\w*|keep|keeps|kept|stor(?:e|es|ed|ing)|archiv\w*|preserv\w*)\b", re.I)),
)
NEGATED_ONLY: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("share", re.compile(r"\b(?:pass(?:ed|es)?(?: on| along)?|post|publish|display|connect)\b", re.I)),
    ("use", re.compile(r"\b(?:read|associat\w*|link\w*|track\w*|target\w*)\b", re.I)),
)
ACTION_ANY = re.compile("|".join(p.pattern for _, p in ACTIONS), re.I)
NEG_ACTION_ANY = re.compile("|".join(p.pattern for _, p in ACTIONS + NEGATED_ONLY), re.I)

_NEG = re.compile(
    r"\b(?:(?:do|does|did|will|shall|would|should|may|must|can|could|is|are|was|were)\s+not|don['’]t|doesn['’]t|won['’]t|"
    r"never|cannot|can['’]t|shan['’]t|isn['’]t|aren['’]t|wouldn['’]t|no longer|(?:policy|practice) (?:is )?not to|"
    r"not (?:the|our) (?:practice|policy) of [^,.;]{1,60}? to)\b",
    re.I,
)
_NO_INFO = re.compile(
    r"(?:^|[;:,]\s*|\b(?:and|but|that)\s+)no\s+(?:[\w-]+\s+){0,4}?(?:information|data|pii|details)\b[^.;]{0,80}?\b(?:is|are|will be|shall be|gets?|may be)\s+(?:ever\s+)?",
    re.I,
)
_FILLER = re.compile(
    r"^(?:[\s,\"“”‘’']+|\b(?:knowingly|intentionally|currently|otherwise|ever|specifically|however|be|been|to|either|directly|"
    r"or|and|in|any|way|under|circumstances|automatically|actively|in the business of|"
    r"(?:permitted|allowed|authori[sz]ed|going|intend(?:ed)?)(?: to)?|(?:allow|permit|let|authori[sz]e)\s+(?:[\w-]+\s+){0,4}?to|"
    r"have access to(?: or)?|access(?: to)?(?: or)?)\b)+",
    re.I,
)
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|whether|why|when|in case)\s+(?:\w+\s+){0,3}$|\bwhether or\s*$|\bmay or\s*$|\b(?:request|ask|prefer|wish|require) that\s+(?:\w+\s+){0,2}$",
    re.I,
)
_USER_SUBJECT = re.compile(
    r"\b(?:you|users?|customers?|subscribers?|members?|account holders?|children|minors|parents|individuals|persons|people|visitors)\b"
    r"(?!['’]s?\s+(?:personal|information|data|cpni|\w+ information))|"
    r"\bthe (?:services?|equipment|network|account)\s*$",
    re.I,
)
_INFO_SUBJECT = re.compile(
    r"\b(?:information|data|cookies?|beacons?|pixels?|gifs?|it|this|that|these|those|which|option|files?|logs?|identifiers?|tools?|"
    r"technolog\w*|signals?|pii|details|content|communications?|messages?|emails?|numbers?|addresses)\W*(?:\w+\W+){0,2}$",
    re.I,
)
_PROVIDER_SUBJECT = re.compile(
    r"(?i:\b(?:we|us|our company|the company|company|our (?:web ?sites?|sites?|services?|apps?|applications?)|the (?:web ?sites?|sites?)|sites?)\b)|\b[A-Z]{2,}[a-z]*\b|\b[A-Z][a-z]+[A-Z]\w*\b"
)
_PASSIVE = re.compile(r"^(?:be\b|been\b|\w+ed\b|sold\b|given\b|kept\b|made\b|sent\b|shown\b)", re.I)
_NOT_A_PROMISE = re.compile(
    r"\bdo[- ]not[- ]track\b|\bdnt\b|\bsignals?\b|\bguarantee\b|\bresponsible\b|\bliable\b|\b(?:assure|ensure|warrant|promise) (?:you )?that\b|\bno control\b",
    re.I,
)
_EXCEPTION = re.compile(
    r"\b(?:except|unless|other than|otherwise than|without|apart from|but only|only (?:if|when|with|to|as|for|in)|save)\b", re.I
)
EXCEPTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "consent",
        re.compile(
            r"\b(?:consent|permission|approval|authori[sz]\w*|agree\w*|opt[- ]?in|affirmative|direct(?:ion)? (?:us|from you)|request)\b",
            re.I,
        ),
    ),
    ("law", re.compile(r"\blaws?\b|\blegal\w*|\bcourt|\bsubpoena|\bregulat\w*|\bgovernment|\brequired\b|\blawful", re.I)),
    ("emergency", re.compile(r"\bemergenc\w*|\bimminent\b|\bharm\b|\bsafety\b|\b911\b", re.I)),
    (
        "service",
        re.compile(
            r"\bprocess\w*|\bprovide (?:the |our |you with )?services?|\bcomplet\w*|\btransactions?\b|\bdeliver\w*|\bservice providers?\b|\bon our behalf\b",
            re.I,
        ),
    ),
    ("deidentified", re.compile(r"\bde-?identified\b|\baggregat\w*|\banonymi[sz]\w*", re.I)),
    (
        "policy",
        re.compile(
            r"\b(?:this|the|our) (?:privacy )?(?:policy|notice|statement)\b|\bdescribed (?:above|below|herein|in)\b|\bset forth\b|\bstated\b",
            re.I,
        ),
    ),
)

OPT_OUT = re.compile(
    r"\bopt(?:ing)?[- ]?out\b|\bunsubscrib\w*|\bif you (?:do not|don['’]t|no longer) (?:want|wish)|"
    r"\byou (?:may|can|have the right to|are able to) (?:choose (?:not|to (?:stop|limit|restrict|decline|refuse))|elect not|ask (?:us )?(?:not|that we not|to stop)|request (?:that we not|not)|tell us|instruct|decline|refuse|object|"
    r"restrict|limit|withdraw|disable|block|reject|turn off|set (?:your )?browser|change (?:your )?(?:preferences|settings))\b|"
    r"\bunless (?:you|the customer|customers|a customer|the visitor|visitors|the user|users) (?:\w+ )?(?:tell|instruct|ask|notify|object|opt|direct|request)|\bprefer not to\b|\bstop receiving\b|\babsent (?:any )?(?:instructions?|directions?|objections?)\b|\bwithdraw (?:your )?consent\b|"
    r"\b(?:reject|refuse|disable|block|delete|remove|decline) (?:the |all |these )?cookies\b|\bremove (?:your name|yourself) from\b|"
    r"\bwithout cookies\b|\bcookies? (?:can|may) be (?:removed|deleted|disabled|blocked|refused|rejected)\b",
    re.I,
)
OPT_IN = re.compile(
    r"\bopt(?:ing)?[- ]?in\b|\bwith your (?:prior |express |explicit |affirmative |specific |additional )?(?:written )?(?:consent|permission|approval|authori[sz]ation)\b|"
    r"\bonly (?:if|when|with|after) you (?:consent|agree|authori[sz]e|choose|give|have given)\b|\bif you (?:consent|agree|authori[sz]e)\b|"
    r"\b(?:express|explicit|affirmative|prior|additional) (?:written )?(?:consent|approval|authori[sz]ation)\b",
    re.I,
)
PREFERENCE = re.compile(
    r"\byou (?:may|can) (?:choose|decide|elect) whether\b|\bchoose (?:whether|if)\b|\b(?:set|manage|update|change|adjust|express) (?:your )?(?:\w+ )?preferences?\b|"
    r"\bpreference (?:center|settings)\b",
    re.I,
)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20, "twenty-four": 24, "twenty four": 24,
    "thirty": 30, "forty-five": 45, "forty five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip
PERIOD = re.compile(
    r"\b(\d{1,4}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\s*(?:\(\d+\)\s*)?"
    r"(business days?|calendar days?|days?|weeks?|months?|years?)\b",
    re.I,
)
RETENTION_VERB = re.compile(
    r"\b(?:retain\w*|keep|keeps|kept|stor(?:e|es|ed|ing)|maintain\w*|preserv\w*|delet\w*|destroy\w*|purg\w*|dispos\w*|archiv\w*)\b",
    re.I,
)
TRIGGERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "account_closure",
        re.compile(
            r"\b(?:clos\w*|deactivat\w*|delet\w*|cancel\w*) (?:of )?(?:your |the |their )?accounts?\b|\baccount (?:is )?(?:closed|closure|deleted|deactivated)\b",
            re.I,
        ),
    ),
    (
        "disconnection",
        re.compile(
            r"\b(?:after|following|upon|once|when) (?:the )?(?:termination|disconnection|cancellation|end|expiration)\b|\b(?:service|relationship|subscription) (?:ends|is (?:terminated|disconnected|cancel+ed))\b|\bdisconnect\w*|\bformer customers?\b",
            re.I,
        ),
    ),
    ("last_activity", re.compile(r"\blast (?:activity|login|log-in|use|visit)\b|\binactiv\w*", re.I)),
    ("request_closed", re.compile(r"\b(?:request|complaint|ticket|case) (?:is )?(?:closed|resolved|completed)\b", re.I)),
    (
        "collection",
        re.compile(
            r"\b(?:from|after) (?:the )?(?:date (?:of|it was|they were) (?:collection|created|collected|made)|collection|creation|time of collection)\b|\bfrom the date of the (?:call|transaction|record)\b",
            re.I,
        ),
    ),
    (
        "purpose_fulfilled",
        re.compile(
            r"\bas long as\b|\bno longer (?:necessary|needed|required)\b|\bperiod (?:necessary|needed|required)\b|\bfor (?:the )?(?:time|period) (?:necessary|needed|reasonably)\b|\buntil (?:it is |they are )?no longer\b|\bpurposes? for which\b|\bnecessary (?:for|to)\b",
            re.I,
        ),
    ),
)
RESPONSE_TIME = re.compile(
    r"\bwithin\s+(?:\w+\s+){0,2}?(\d{1,3}|"
    + "|".join(_NUMBER_WORDS)
    + r")\s*(?:\(\d+\)\s*)?(business days?|calendar days?|days?|weeks?|months?)\b",
    re.I,
)
CHILD_AGE = re.compile(r"\b(?:under|below|younger than)\s+(?:the\s+age\s+of\s+)?(\d{1,2}|thirteen|sixteen|eighteen)\b", re.I)


def parse_period(count: str, unit: str) -> Period:
    """'18', 'months' -> 18 months; 'thirty', 'calendar days' -> 30 days."""
    key = count.lower().replace(" ", "-")
    value = int(count) if count.isdigit() else _NUMBER_WORDS.get(key, _NUMBER_WORDS.get(count.lower(), 0))
    lowered = unit.lower()
    name = "business day" if lowered.startswith("business") else lowered.replace("calendar ", "").rstrip("s")
    return Period.parse(f"{value} {name}")


@dataclass(frozen=True)
class Evidence:
    """A sentence of the source and where to find it."""

    sentence: str
    line: int
    segment: int
    section: str

    def to_dict(self) -> dict[str, object]:
        return {"sentence": self.sentence, "line": self.line, "segment": self.segment, "section": self.section}


@dataclass
class Negation:
    """A 'we do not / will not' statement: what it forbids and the exceptions it leaves open."""

    actions: list[str]
    subject: str  # provider, user, recipient
    exceptions: list[str]
    exception_text: str


@dataclass
class Statement:
    """Everything the drafter could read off one sentence."""

    evidence: Evidence
    labels: tuple[str, ...] = ()
    probabilities: dict[str, float] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    negation: Negation | None = None
    categories: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    subject_recipients: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    rights: list[str] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    regimes: list[str] = field(default_factory=list)
    choice_kind: str | None = None
    periods: list[Period] = field(default_factory=list)
    trigger: str | None = None
    response_time: Period | None = None
    child_age: int | None = None
    used_by: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.evidence.sentence


_SEPARATOR = re.compile(r"(?:[\s,\"“”‘’']|\b(?:or|and|and/or|nor|to|knowingly|otherwise|intentionally|otherwise)\b)*", re.I)


def _coordinated_actions(rest: str) -> list[str]:
    """The verbs negated together: 'not use, disclose, sell, or permit access' -> use, share, sell."""
    found: list[str] = []
    pos = 0
    while True:
        match = NEG_ACTION_ANY.match(rest, pos)
        if not match:
            break
        word = match.group(0)
        found.extend(name for name, pattern in ACTIONS + NEGATED_ONLY if pattern.fullmatch(word) and name not in found)
        pos = _SEPARATOR.match(rest, match.end()).end()  # type: ignore[union-attr]
    return found


def find_negation(sentence: str, actor_names: tuple[str, ...] = ()) -> Negation | None:
    """The first negated privacy action in the sentence, with its subject and exceptions, or None."""
    for cue in _NEG.finditer(sentence):
        before = sentence[: cue.start()]
        if _CONDITIONAL.search(before[-40:]):
            continue
        after = sentence[cue.end() :]
        filler = _FILLER.match(after)
        rest = after[filler.end() :] if filler else after
        if re.match(r"(?:limited to|just|only\b(?! (?:use|share|disclose|sell)))", rest, re.I):
            continue
        actions = _coordinated_actions(rest)
        if not actions:
            continue
        clause_start = max(
            before.rfind(";"), before.rfind(":"), before.rfind(" but "), before.rfind(", and "), before.rfind(", while ")
        )
        subject_text = before[clause_start + 1 :]
        recipients_before = lexicon.matches(lexicon.RECIPIENT_KINDS, subject_text)
        if _NOT_A_PROMISE.search(sentence):
            return None
        if _USER_SUBJECT.search(subject_text) and not re.search(r"\bwe\b", subject_text, re.I):
            subject = "user"
        elif _PROVIDER_SUBJECT.search(subject_text) or (actor_names and any(n in subject_text.lower() for n in actor_names)):
            subject = "provider"
        elif recipients_before:
            subject = "recipient"
        elif _INFO_SUBJECT.search(subject_text) or not subject_text.strip():
            if not (_PASSIVE.match(rest) or cue.group(0).lower().startswith(("policy", "practice", "not"))):
                continue  # "generic information does not reveal ...": a definition, not a promise
            subject = "provider"  # "information will not be sold": the provider's promise in the passive
        elif re.match(r"\s*(?:[\w\s,'’&-]*\s)?[A-Z]", subject_text):
            subject = "provider"  # a named company: "Acme does not sell ..."
        else:
            continue
        parts = []
        for match in _EXCEPTION.finditer(sentence):
            if match.start() > cue.start():
                parts.append(sentence[match.start() :])
                break
            parts.append(sentence[match.start() : cue.start()])
        exception_text = " ".join(parts)
        kinds = [name for name, pattern in EXCEPTION_KINDS if exception_text and pattern.search(exception_text)]
        return Negation(actions, subject, kinds, exception_text.strip())
    no_info = _NO_INFO.search(sentence)
    if no_info:
        actions = _coordinated_actions(sentence[no_info.end() :])
        if actions and not _NOT_A_PROMISE.search(sentence):
            tail = _EXCEPTION.search(sentence, no_info.end())
            exception_text = sentence[tail.start() :] if tail else ""
            kinds = [name for name, pattern in EXCEPTION_KINDS if exception_text and pattern.search(exception_text)]
            return Negation(actions, "provider", kinds, exception_text.strip())
    return None


def choice_kind(sentence: str) -> str | None:
    if OPT_IN.search(sentence):
        return "opt_in"
    if OPT_OUT.search(sentence):
        return "opt_out"
    if PREFERENCE.search(sentence):
        return "preference"
    return None


def read_statement(
    evidence: Evidence,
    labels: tuple[str, ...] = (),
    probabilities: dict[str, float] | None = None,
    actor_names: tuple[str, ...] = (),
) -> Statement:
    """Extract every attribute the lexicon and the patterns above find in one sentence."""
    text = evidence.sentence
    st = Statement(evidence, labels, dict(probabilities or {}))
    st.actions = [name for name, pattern in ACTIONS if pattern.search(text)]
    st.negation = find_negation(text, actor_names)
    st.categories = lexicon.most_specific(lexicon.matches(lexicon.DATA_CATEGORIES, text))
    st.purposes = lexicon.most_specific(lexicon.matches(lexicon.PURPOSES, text))
    recipients = lexicon.matches(lexicon.RECIPIENT_KINDS, text)
    st.recipients = recipients
    st.channels = lexicon.matches(lexicon.CHANNELS, text)
    st.rights = lexicon.matches(lexicon.RIGHTS, text)
    st.jurisdictions = lexicon.matches(lexicon.JURISDICTIONS, text)
    st.regimes = lexicon.matches(lexicon.REGIMES, text)
    st.choice_kind = choice_kind(text)
    if RETENTION_VERB.search(text):
        st.periods = [parse_period(m.group(1), m.group(2)) for m in PERIOD.finditer(text)]
        st.trigger = next((name for name, pattern in TRIGGERS if pattern.search(text)), None)
    response = RESPONSE_TIME.search(text)
    if response:
        st.response_time = parse_period(response.group(1), response.group(2))
    age = CHILD_AGE.search(text)
    if age and re.search(r"\bchild|\bminor|\bkids?\b|\bteen", text, re.I):
        raw = age.group(1).lower()
        st.child_age = int(raw) if raw.isdigit() else {"thirteen": 13, "sixteen": 16, "eighteen": 18}[raw]
    return st
