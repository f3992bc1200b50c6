"""Acceptable-use and copyright programs, and the rules the telecom extension set implies.

OPP-115 has no label for a carrier's acceptable use policy, its copyright program or its CPNI, 911,
directory and caller-ID practices; these readers recognise them by rule (see telecom.py) and turn
them into `programs` and rules, each with the sentences that justify it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from privet.policy.draft import telecom
from privet.policy.draft.elements import Element, NegativeFinding, _slug, _trim
from privet.policy.draft.extract import Statement

if TYPE_CHECKING:
    from privet.policy.draft.build import PackBuilder


def aup_clause(b: PackBuilder, st: Statement) -> bool:
    return bool(
        re.search(
            r"\byou (?:may|shall|must|agree) not\b|\bprohibit\w*|\bnot (?:permitted|allowed)\b|\bmay not be used\b|\bviolat\w*",
            st.text,
            re.I,
        )
    ) or (
        st.evidence.section != ""
        and st.negation is None
        and not st.purposes
        and not st.categories
        and len(st.text) < 200
        and bool(re.match(r"^[a-z(]", st.text))
    )


def prohibition(b: PackBuilder, st: Statement) -> None:
    kind = telecom.prohibition_kind(st.text)
    base = _slug(kind.replace("_", "-"))
    pid, n = base, 2
    while pid in b.sections["prohibited"] and b.sections["prohibited"][pid].evidence[0].sentence != st.text:
        pid, n = f"{base}-{n}", n + 1
    element = b.sections["prohibited"].get(pid) or Element(
        "prohibited", pid, {"id": pid, "kind": kind, "description": _trim(st.text)}, source="telecom-rules"
    )
    b.sections["prohibited"][pid] = element
    b._use(st, element, 0.7)
    if st.negation is not None:
        b.negatives.append(NegativeFinding(st.evidence, "aup_prohibition", [], []))


def telecom_rules(b: PackBuilder) -> None:
    """Rules the telecom extension set implies, for tagged sentences the classifier path left unplaced."""
    for st in b.statements:
        tags = telecom.tags(st.text)
        low = st.text.lower()
        if "emergency_911" in tags and st.negation is None:
            b.rule(
                st,
                "essential.emergency_response",
                "psap",
                "required",
                ["user.name", "user.contact.phone_number", "user.contact.address", "user.telecom.cpni.location"],
                0.8,
                source="telecom-rules",
            )
        if (
            "law_enforcement" in tags
            and st.negation is None
            and re.search(r"\b(?:may|will|must|do|does)\b.*\b(?:disclos|provid|releas|shar|respond|cooperat|comply)", low)
        ):
            b.rule(
                st,
                "essential.legal_obligation.legal_process",
                "government",
                "required",
                ["user"],
                0.8,
                obligations=["log_disclosure"],
                source="telecom-rules",
            )
        if "directory_listing" in tags and re.search(r"\bpublish\w*|\blisted\b|\blistings?\b|\bunlisted\b", low):
            b._extension_purpose("essential.service.directory_publication")
            cid = b.choice(st, "opt_out", "directory-listing", 0.8).id
            b.rule(
                st,
                "essential.service.directory_publication",
                "third_party",
                "unless_opted_out",
                ["user.telecom.directory_listing"],
                0.8,
                choice=cid,
                source="telecom-rules",
            )
        if "caller_id" in tags and re.search(r"\bblock\w*", low):
            b._extension_purpose("essential.service.caller_id")
            cid = b.choice(st, "opt_out", "caller-id-blocking", 0.8).id
            b.rule(
                st,
                "essential.service.caller_id",
                "other_user",
                "unless_opted_out",
                ["user.name", "user.contact.phone_number"],
                0.8,
                choice=cid,
                source="telecom-rules",
            )
        if "cpni" in tags and st.choice_kind == "opt_out" and st.negation is None:
            cid = b.choice(st, "opt_out", "cpni-marketing", 0.8, regime="cpni").id
            b.rule(
                st,
                "marketing.cpni.communications_related",
                "first_party",
                "unless_opted_out",
                ["user.telecom.cpni"],
                0.8,
                choice=cid,
                source="telecom-rules",
            )
            if "affiliat" in low:
                b.rule(
                    st,
                    "marketing.cpni.communications_related",
                    "affiliate",
                    "unless_opted_out",
                    ["user.telecom.cpni"],
                    0.8,
                    choice=cid,
                    source="telecom-rules",
                )
        if "credit_fcra" in tags and st.choice_kind == "opt_out" and "affiliat" in low:
            cid = b.choice(st, "opt_out", "fcra-affiliate-sharing", 0.8, regime="fcra").id
            b.rule(
                st,
                "marketing",
                "affiliate",
                "unless_opted_out",
                ["user.financial.credit_report"],
                0.7,
                choice=cid,
                source="telecom-rules",
            )


def build_programs(b: PackBuilder) -> tuple[dict[str, Any], list[Element]]:
    out: dict[str, Any] = {}
    elements: list[Element] = []
    prohibited = list(b.sections["prohibited"].values())
    if prohibited:
        all_text = " ".join(
            st.text
            for st in b.statements
            if telecom.AUP_CONTEXT.search(st.evidence.section) or "acceptable_use" in telecom.tags(st.text)
        )
        steps = [(name, pattern) for name, pattern in telecom.LADDER_STEPS if pattern.search(all_text)]
        ladder = [
            {
                "step": name,
                "at_strikes": i,
                "description": f"The policy mentions this step ({name.replace('_', ' ')}); review when it applies.",
            }
            for i, (name, _) in enumerate(steps, start=1)
        ] or [
            {
                "step": "termination_review",
                "at_strikes": 1,
                "description": "Placeholder: the policy states no enforcement ladder; review.",
            }
        ]
        grounds = [
            _trim(st.text, 200)
            for st in b.statements
            if re.search(r"\bimmediate\w*", st.text, re.I) and re.search(r"\bsuspen\w*|\bterminat\w*", st.text, re.I)
        ][:5]
        monitoring = next(
            (
                _trim(st.text, 300)
                for st in b.statements
                if re.search(r"\bmonitor\w*", st.text, re.I) and telecom.AUP_CONTEXT.search(st.evidence.section)
            ),
            None,
        )
        aup: dict[str, Any] = {"prohibited": [e.data for e in prohibited], "ladder": ladder}
        if grounds:
            aup["immediate_grounds"] = grounds
        if monitoring:
            aup["monitoring"] = monitoring
        out["acceptable_use"] = aup
        note = Element(
            "programs",
            "acceptable_use",
            {"prohibited": len(prohibited), "ladder": [s["step"] for s in ladder]},
            source="telecom-rules",
        )
        note.evidence = [e.evidence[0] for e in prohibited][:20]
        note.confidence = 0.7
        if not steps:
            note.notes.append("no enforcement ladder found: placeholder step")
        elements.append(note)
    agent = b.provider.copyright_agent
    if agent is not None and b.telecom_counts.get("copyright", 0):
        cr_statements = [st for st in b.statements if telecom.COPYRIGHT_SECTION.search(st.evidence.section + " " + st.text)]
        items = [st.text for st in cr_statements if b.doc.segments[st.evidence.segment].kind == "item"]
        counter_items = [
            st.text
            for st in cr_statements
            if b.doc.segments[st.evidence.segment].kind == "item" and re.search(r"counter", st.evidence.section, re.I)
        ]
        notice = [_trim(t, 200) for t in items if t not in counter_items][:8]
        counter = [_trim(t, 200) for t in counter_items][:8]
        notes = []
        if not notice:
            notice = [
                "signature of the owner or agent",
                "identification of the work",
                "identification of the infringing material and where it is",
                "contact information of the complainant",
                "good-faith statement",
                "statement of accuracy under penalty of perjury",
            ]
            notes.append("notice elements not listed in the text: the statutory elements (17 U.S.C. 512(c)(3)) were used")
        if not counter:
            counter = [
                "signature of the subscriber",
                "identification of the removed material and where it was",
                "statement under penalty of perjury of a good-faith belief of mistake",
                "name, address, phone and consent to jurisdiction",
            ]
            notes.append("counter-notice elements not listed in the text: the statutory elements (17 U.S.C. 512(g)(3)) were used")
        repeat = next((_trim(st.text, 300) for st in cr_statements if re.search(r"repeat", st.text, re.I)), "")
        out["copyright"] = {
            "designated_agent": agent.to_dict() or {"title": "Designated copyright agent"},
            "notice_elements": notice,
            "counter_notice_elements": counter,
            "description": repeat,
        }
        element = Element("programs", "copyright", {"designated_agent": agent.to_dict()}, notes=notes, source="telecom-rules")
        element.evidence = [st.evidence for st in cr_statements[:10]]
        element.confidence = 0.7
        for st in cr_statements:
            st.used_by.append("programs:copyright")
        elements.append(element)
    return out, elements
