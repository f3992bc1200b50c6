"""Readers that turn one statement into pack elements: rules, choices, rights, retention, collection, statements.

Each reader looks at one sentence and asks the builder to declare or extend elements; keeping them
apart from the builder's bookkeeping keeps each rule of interpretation (what makes a sentence a
right, a retention period, a choice) short enough to read and test on its own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from privet.policy.draft import lexicon
from privet.policy.draft.elements import Element, NegativeFinding, _slug, _trim, covering
from privet.policy.draft.extract import Statement
from privet.policy.draft.labels import CHG, CONTACT, DNT, FPC, ISA, OTHER, RET, SEC, TPS, UAED, UCC

if TYPE_CHECKING:
    from privet.policy.draft.build import PackBuilder

DEFAULT_RECIPIENT_FOR_PURPOSE = {
    "essential.business_transfer": "acquirer",
    "essential.legal_obligation": "government",
    "essential.legal_obligation.legal_process": "government",
    "essential.emergency_response": "government",
    "essential.credit_check": "credit_bureau",
    "essential.collections": "collection_agency",
    "marketing.advertising.third_party.targeted": "ad_network",
}
DEFAULT_PURPOSE_FOR_RECIPIENT = {
    "affiliate": "essential.service",
    "agent": "essential.service",
    "contractor": "essential.service",
    "processor": "essential.service",
    "joint_venture": "essential.service",
    "carrier": "essential.service",
    "third_party": "third_party_sharing",
    "ad_network": "marketing.advertising.third_party.targeted",
    "analytics_provider": "analytics",
    "credit_bureau": "essential.credit_check",
    "collection_agency": "essential.collections",
    "government": "essential.legal_obligation",
    "psap": "essential.emergency_response",
    "acquirer": "essential.business_transfer",
    "complainant": "essential.abuse_handling",
    "other_user": "functional.service",
    "public": "functional.service",
}
SHARING_PURPOSES = ("third_party_sharing", "marketing.direct_marketing_by_third_party")
EXTENSION_PURPOSES = {
    "essential.service.directory_publication": (
        "Directory publication",
        "Passing listed names, numbers and addresses to directories and directory assistance.",
    ),
    "essential.service.caller_id": (
        "Calling number and name delivery",
        "Sending the caller's number and name to the called party's caller-ID display.",
    ),
}
AGENCY = re.compile(
    r"\byou (?:may|can|have|are entitled|might|could|also have)\b|\byour rights?\b|\bright to\b|\brequest\w*\b|\bcontact us\b|\bask us\b|"
    r"\bwish to\b|\bwould like to\b|\bable to\b|\bcustomers? (?:may|can)\b|\busers? (?:may|can)\b|\bresidents? (?:may|can|have)\b|"
    r"\bthey (?:may|can|have)\b|\bhave us\b",
    re.I,
)
OPT_CUE = re.compile(r"\bopt[- ]?(?:out|in)\b|\bunsubscribe\b|\bbrowser\b|\bpreferences?\b|\bconsent\b", re.I)
AGGREGATE = re.compile(r"\bde-?identified\b|\baggregate\w*|\banonymi[sz]\w*", re.I)


def main_clause(b: PackBuilder, st: Statement) -> str:
    neg = st.negation
    if neg is None or not neg.exception_text:
        return st.text
    return st.text.replace(neg.exception_text, " ")


def negative(b: PackBuilder, st: Statement) -> None:
    """A 'we do not / will not' sentence becomes a never rule, or an opt-in rule when consent is its exception."""
    neg = st.negation
    assert neg is not None
    if neg.subject == "user":
        return
    actions = [a for a in neg.actions if a in ("sell", "share", "use", "collect")]
    if not actions:
        outcome = "retention" if "retain" in neg.actions else "statement"
        if outcome == "statement":
            b.statement_other(st)
        b.negatives.append(NegativeFinding(st.evidence, outcome, [], neg.exceptions))
        return
    main = main_clause(b, st)
    categories = covering(lexicon.most_specific(lexicon.matches(lexicon.DATA_CATEGORIES, main))) or ["user"]
    purposes = lexicon.most_specific(lexicon.matches(lexicon.PURPOSES, main))
    recipients = [r for r in lexicon.matches(lexicon.RECIPIENT_KINDS, main) if r not in ("public",)]
    when: dict[str, Any] = {}
    if st.child_age:
        when["max_age"] = min(st.child_age - 1, 130)
    consent = "consent" in neg.exceptions
    basis = "only_with_opt_in" if consent else "never"
    confidence = 0.5 + 0.5 * max(b._p(st, FPC, TPS), 0.6)
    made: list[str] = []
    choice_id = None
    if consent:
        topic = "consent-" + (
            "cpni"
            if "user.telecom.cpni" in categories or any(c.startswith("user.telecom.cpni") for c in categories)
            else "sale"
            if "sell" in actions
            else "sharing"
            if "share" in actions
            else "use"
        )
        choice_id = b.choice(st, "opt_in", topic, confidence, regime="cpni" if "cpni" in topic else None).id
    targets: list[tuple[str, str]] = []
    if neg.subject == "recipient":
        subject_kinds = lexicon.matches(
            lexicon.RECIPIENT_KINDS, st.text[: st.text.lower().find(" not ")] if " not " in st.text.lower() else st.text
        )
        for kind in subject_kinds[:2] or ["processor"]:
            purpose = next((p for p in purposes if not p.startswith("essential")), "marketing.direct_marketing_by_third_party")
            targets.append((purpose, kind))
    for action in actions:
        if neg.subject == "recipient":
            break
        if action == "sell":
            for kind in recipients[:2] or ["third_party"]:
                targets.append(("third_party_sharing.sale", kind))
        elif action == "share":
            marketing = any(p.startswith("marketing") for p in purposes)
            purpose = "marketing.direct_marketing_by_third_party" if marketing else "third_party_sharing"
            for kind in [r for r in recipients if r != "first_party"][:2] or ["third_party"]:
                targets.append((purpose, kind))
        elif action == "use":
            cpni = any(c.startswith("user.telecom.cpni") for c in categories)
            chosen = [p for p in purposes if not p.startswith("essential")][:2] or (["marketing.cpni"] if cpni else ["marketing"])
            targets.extend((p, "first_party") for p in chosen)
        elif action == "collect":
            targets.append(("collect", "first_party"))
    for purpose, kind in dict.fromkeys(targets):
        rule = b.rule(st, purpose, kind, basis, categories, confidence, choice=choice_id, when=when)
        made.append(rule.id)
    for exception in neg.exceptions:
        if exception == "law":
            legal = (
                "essential.legal_obligation.legal_process"
                if re.search(r"subpoena|court|warrant|legal process|law enforcement", st.text, re.I)
                else "essential.legal_obligation"
            )
            made.append(
                b.rule(
                    st,
                    legal,
                    "government",
                    "required",
                    categories,
                    confidence * 0.9,
                    obligations=["log_disclosure"],
                    prefix="exception",
                ).id
            )
        elif exception == "emergency":
            made.append(
                b.rule(
                    st,
                    "essential.emergency_response",
                    "government",
                    "required",
                    categories,
                    confidence * 0.9,
                    prefix="exception",
                ).id
            )
        elif exception == "service" and "share" in actions:
            purpose = (
                "essential.service.payment_processing"
                if re.search(r"transaction|payment|card", st.text, re.I)
                else "essential.service"
            )
            made.append(b.rule(st, purpose, "processor", "required", categories, confidence * 0.9, prefix="exception").id)
    outcome = basis if made else "statement"
    if not made:
        b.statement_other(st)
    b.negatives.append(NegativeFinding(st.evidence, outcome, list(dict.fromkeys(made)), neg.exceptions))


def positive(b: PackBuilder, st: Statement) -> None:
    """Sharing with named recipients and first-party uses with named purposes become rules."""
    labels = set(st.labels)
    purposes = [p for p in st.purposes if p != "third_party_sharing.sale" or "sell" in st.actions]
    categories = covering(st.categories) if st.categories else ["user"]
    kind = st.choice_kind
    basis = {"opt_out": "unless_opted_out", "preference": "unless_opted_out", "opt_in": "only_with_opt_in"}.get(
        kind or "", "required"
    )
    choice_id = b.choice(st, kind or "opt_out", topic(b, st), 0.5 + 0.5 * b._p(st, UCC)).id if kind else None
    made = False
    others = [r for r in st.recipients if r not in ("first_party", "public")]
    sharing = "share" in st.actions or "sell" in st.actions
    if sharing and not others and TPS in labels:
        others = list(dict.fromkeys(DEFAULT_RECIPIENT_FOR_PURPOSE.get(p, "third_party") for p in purposes[:2])) or ["third_party"]
    if kind is None and (inherited := b.segment_choice.get(st.evidence.segment)) is not None and inherited[1] == topic(b, st):
        kind, choice_id = inherited[0], inherited[2]
        basis = {"opt_out": "unless_opted_out", "preference": "unless_opted_out", "opt_in": "only_with_opt_in"}[kind]
    if sharing and others and (TPS in labels or re.search(r"\b(?:with|to)\b", st.text)):
        confidence = 0.4 + 0.6 * b._p(st, TPS)
        for recipient_kind in others[:3]:
            chosen = [p for p in purposes if not (p == "analytics.deidentified" and recipient_kind != "third_party")][:5]
            if not chosen:
                chosen = [DEFAULT_PURPOSE_FOR_RECIPIENT[recipient_kind]]
            for purpose in chosen:
                b.rule(st, purpose, recipient_kind, basis, categories, confidence, choice=choice_id)
                made = True
    if not made and purposes and (FPC in labels or {"use", "collect"} & set(st.actions) or kind):
        confidence = 0.4 + 0.6 * b._p(st, FPC, UCC)
        for purpose in purposes[:5]:
            if purpose == "third_party_sharing.sale" and basis == "required":
                continue
            b.rule(st, purpose, "first_party", basis, categories, confidence, choice=choice_id)
            made = True


def topic(b: PackBuilder, st: Statement) -> str:
    """A stable name for the choice a sentence describes, so repeated mentions merge."""
    text = st.text.lower()
    checks: tuple[tuple[bool, str], ...] = (
        (any(c.startswith("user.telecom.cpni") for c in st.categories) or "cpni" in st.regimes, "cpni-marketing"),
        ("user.telecom.directory_listing" in st.categories, "directory-listing"),
        ("caller id" in text or "caller-id" in text, "caller-id-blocking"),
        ("fcra" in st.regimes or "user.financial.credit_report" in st.categories, "fcra-affiliate-sharing"),
        ("third_party_sharing.sale" in st.purposes or "opt_out_of_sale" in st.rights, "sale-opt-out"),
        (
            "marketing.communications.email" in st.purposes
            or "email_unsubscribe_link" in st.channels
            or (bool(re.search(r"\be-?mails?\b", text)) and any(p.startswith("marketing") for p in st.purposes)),
            "marketing-email",
        ),
        ("marketing.communications.phone" in st.purposes, "telemarketing"),
        ("marketing.communications.sms" in st.purposes, "marketing-text-messages"),
        ("marketing.communications.mail" in st.purposes, "postal-marketing"),
        (
            "industry_opt_out" in st.channels or any(p.startswith("marketing.advertising") for p in st.purposes),
            "interest-based-advertising",
        ),
        ("user.device.cookie" in st.categories or "browser_settings" in st.channels, "cookies"),
        (any(c.startswith("user.location") for c in st.categories), "location"),
        ("analytics" in st.purposes, "analytics"),
        ("affiliate" in st.recipients, "affiliate-sharing"),
        ("third_party" in st.recipients, "third-party-sharing"),
        (any(p.startswith("marketing") for p in st.purposes), "marketing"),
        (bool(re.search(r"\bpolicy\b|\bnotice\b", text)), "policy-change-acceptance"),
    )
    return next((name for hit, name in checks if hit), "other-choice")


def choice_statement(b: PackBuilder, st: Statement) -> None:
    """Choices stated without a purpose we could place still belong in the pack (cookies, for one)."""
    if st.choice_kind is None or st.used_by or st.negation is not None:
        return
    if UCC not in st.labels and not OPT_CUE.search(st.text):
        return
    b.choice(st, st.choice_kind, topic(b, st), 0.4 + 0.6 * b._p(st, UCC))


def right_statement(b: PackBuilder, st: Statement) -> None:
    """Rights need a person who may act ('you may', 'residents have the right'); 'correct' and 'complain'
    are common words, so they also need the classifier or the word 'right' or 'request'."""
    if not st.rights:
        return
    agency = bool(AGENCY.search(st.text))
    context = bool({UAED, UCC, ISA, OTHER, CONTACT} & set(st.labels)) or bool(re.search(r"\bright\b|\brequest\b", st.text, re.I))
    kinds = [
        k
        for k in st.rights
        if k in ("shine_the_light", "non_discrimination") or (agency and (context or k not in ("correct", "complain")))
    ]
    if not kinds:
        return
    section_jur = lexicon.matches(lexicon.JURISDICTIONS, st.evidence.section)
    jurisdictions = list(dict.fromkeys(st.jurisdictions + section_jur))
    for kind in kinds:
        if kind == "complain" and not re.search(r"complain|authority|attorney general", st.text, re.I):
            continue
        rid = _slug("-".join([kind.replace("_", "-"), *[j.lower() for j in jurisdictions]]))
        element = b.sections["rights"].get(rid)
        channels = st.channels or b.segment_channels.get(st.evidence.segment, [])
        if element is None:
            notes = []
            if not channels:
                channels = b._default_channels()
                notes.append("the text names no channel for this right: channels default to the privacy contact")
            verification = (
                "account_login"
                if "account_portal" in channels
                else "none"
                if kind in ("complain", "non_discrimination")
                else "matching_data_points"
            )
            data: dict[str, Any] = {
                "id": rid,
                "kind": kind,
                "description": _trim(st.text),
                "channels": list(dict.fromkeys(channels)),
                "verification": verification,
            }
            if jurisdictions:
                data["who"] = {"jurisdictions": jurisdictions}
            if st.response_time:
                data["respond_within"] = str(st.response_time)
            element = Element("rights", rid, data, notes=notes)
            b.sections["rights"][rid] = element
        else:
            for c in channels:
                if c not in element.data["channels"]:
                    element.data["channels"].append(c)
            if st.response_time and "respond_within" not in element.data:
                element.data["respond_within"] = str(st.response_time)
        b._use(st, element, 0.4 + 0.6 * b._p(st, UAED, UCC))


def retention_statement(b: PackBuilder, st: Statement) -> None:
    if not (st.periods or st.trigger):
        return
    if RET not in st.labels and not re.search(r"\b(?:retain|keep|kept|delete|destroy|purge|dispose)\w*", st.text, re.I):
        return
    categories = covering(st.categories) if st.categories else ["user"]
    period = max(st.periods, key=lambda p: p.approx_days()) if st.periods else None
    trigger = st.trigger or ("collection" if period else None)
    notes = []
    if period is None and trigger != "purpose_fulfilled":
        notes.append(f"the text ties retention to '{trigger}' but gives no period: drafted as 'purpose_fulfilled'")
        trigger = "purpose_fulfilled"
    action = "delete"
    if AGGREGATE.search(st.text):
        action = "deidentify"
    elif re.search(r"\brecycl\w*|\breassign\w*|\breus\w*|\brelease\w*", st.text, re.I):
        action = "release_for_reuse"
    elif re.search(r"\block(?:ed|s)?\b", st.text, re.I):
        action = "lock"
    rid = _slug(
        "retain-"
        + (categories[0].split(".")[-1] if categories else "data")
        + ("-" + str(period).replace(" ", "-") if period else "")
    )
    element = b.sections["retention"].get(rid)
    if element is None:
        data: dict[str, Any] = {
            "id": rid,
            "categories": categories,
            "description": _trim(st.text),
            "trigger": trigger,
            "action": action,
        }
        if period is not None:
            data["period"] = str(period)
        legal = re.search(r"\b47\s*C\.?F\.?R\.?\s*(?:§\s*)?[\d.]+|\b\d+\s*U\.?S\.?C\.?\s*(?:§\s*)?\d+", st.text)
        if legal:
            data["legal_basis"] = legal.group(0)
        element = Element("retention", rid, data, notes=notes)
        b.sections["retention"][rid] = element
    b._use(st, element, 0.4 + 0.6 * b._p(st, RET))


def collection_statement(b: PackBuilder, st: Statement) -> None:
    if st.negation is not None or not st.categories:
        return
    if FPC not in st.labels and "collect" not in st.actions:
        return
    text = st.text
    if re.search(
        r"\bfrom (?:third[- ]part(?:y|ies)|other sources|credit bureaus|consumer reporting|our (?:marketing )?partners|publicly available|data brokers|other companies)",
        text,
        re.I,
    ):
        source, cid, subjects = "third_party", "from-other-sources", ["customer"]
    elif any(c.startswith("user.telecom") for c in st.categories) or re.search(
        r"\bnetwork\b|\bcalls? you (?:make|receive)\b|\busage of (?:our|the) services?\b", text, re.I
    ):
        source, cid, subjects = "network", "from-the-network", ["customer"]
    elif re.search(
        r"\bautomatic\w*|\bcookies?\b|\bpixels?\b|\bbeacons?\b|\blog files?\b|\bwhen you (?:visit|browse|access)\b|\bbrowser\b",
        text,
        re.I,
    ):
        source, cid, subjects = "automatic", "collected-automatically", ["visitor", "customer"]
    else:
        source, cid, subjects = "direct", "provided-by-you", ["customer"]
    element = b.sections["collection"].get(cid)
    if element is None:
        descriptions = {
            "direct": "Information people give when they order, register, pay or contact us.",
            "automatic": "Information gathered automatically when people visit the sites or use the apps (logs, cookies and similar).",
            "network": "Records the network produces when people use the services (usage, calls, configuration).",
            "third_party": "Information obtained from other companies and sources.",
        }
        element = Element(
            "collection",
            cid,
            {"id": cid, "description": descriptions[source], "categories": [], "subjects": subjects, "sources": [source]},
        )
        b.sections["collection"][cid] = element
    element.data["categories"] = list(dict.fromkeys(element.data["categories"] + st.categories))
    b._use(st, element, 0.4 + 0.6 * b._p(st, FPC))


def statement_fields(b: PackBuilder, st: Statement) -> None:
    text = st.text
    low = text.lower()
    fields = b.sections["statements"]
    p = b._p
    if re.search(r"\bdo[- ]not[- ]track\b|\bdnt\b", low):
        honoured = bool(re.search(r"\b(?:honou?r|respond to|recogni[sz]e|comply with)\b", low)) and not re.search(
            r"\bnot (?:currently |presently |yet )?(?:honou?r|respond|recogni|comply|process)|\bno (?:uniform|standard|industry)",
            low,
        )
        b._statement(st, "do_not_track", "honoured" if honoured else "not_honoured", 0.5 + 0.5 * p(st, DNT))
    if "global privacy control" in low or re.search(r"\bgpc\b", low):
        b._statement(
            st,
            "gpc",
            "honoured"
            if re.search(r"\bhonou?r|\brecogni[sz]e|\btreat", low) and " not " not in low
            else "honoured_where_required",
            0.6,
        )
    if st.child_age and re.search(r"\bchild|\bminor", low):
        found = (
            "contact_parent"
            if re.search(r"\bparent", low)
            and re.search(r"\bcontact|\bnotify|\bconsent", low)
            and not re.search(r"\bdelet|\bremov|\beras", low)
            else "delete"
        )
        b._statement(st, "children_min_age", min(st.child_age, 21), 0.5 + 0.5 * p(st, ISA))
        if re.search(r"\bdelet|\bremov|\beras|\bparent", low):
            b._statement(st, "children_found", found, 0.5 + 0.5 * p(st, ISA))
    if CHG in st.labels or re.search(
        r"\b(?:change|update|revis|modif|amend)\w* (?:to )?(?:this|our|the) (?:privacy )?(?:policy|notice|statement)\b", low
    ):
        if "policy_changes" not in fields:
            b._statement(st, "policy_changes", _trim(text, 400), 0.4 + 0.6 * p(st, CHG))
        else:
            b._use(st, fields["policy_changes"], 0.4 + 0.6 * p(st, CHG))
        channels = [
            c
            for c, pat in (
                ("email", r"\be-?mail"),
                ("mail", r"\bmail\b|\bletter|\bbill (?:message|insert)"),
                ("account_portal", r"\byour account\b"),
            )
            if re.search(pat, low)
        ]
        if channels and re.search(r"\bmaterial|\bsignificant|\bnotify|\bnotice", low):
            existing = fields.get("material_change_notice")
            merged = list(dict.fromkeys((existing.data["value"] if existing else []) + channels))
            b._statement(st, "material_change_notice", merged, 0.4 + 0.6 * p(st, CHG))
        if re.search(
            r"(?:previously|already|prior)\b.*\b(?:collected|obtained)\b.*\b(?:consent|choice|opt|governed|under)|\bmaterially different manner\b.*\b(?:consent|choice)|\bchoice as to whether\b",
            low,
        ):
            b._statement(st, "older_data_keeps_version", True, 0.4 + 0.6 * p(st, CHG))
    if SEC in st.labels and st.negation is None and len(text) > 30:
        existing = fields.get("security")
        items = existing.data["value"] if existing else []
        if len(items) < 10:
            b._statement(st, "security", [*items, _trim(text, 300)], 0.4 + 0.6 * p(st, SEC))
    cpni_auth = re.search(r"\bcpni\b|customer proprietary", low) and re.search(
        r"\bpassword|\bauthenticat|\bverify (?:your )?identity|\bpin\b", low
    )
    if cpni_auth and "cpni_authentication" not in fields:
        b._statement(st, "cpni_authentication", _trim(text, 400), 0.8)
    if (
        ISA in st.labels
        and "data_location" not in fields
        and re.search(r"\btransfer\w*|\bstored?\b|\bprocess\w*", low)
        and re.search(r"\bunited states\b|\bcountr(?:y|ies)\b|\boutside\b|\binternational", low)
    ):
        b._statement(st, "data_location", _trim(text, 400), 0.4 + 0.6 * p(st, ISA))
