"""Assemble read statements into a draft pack that `privet policy check` accepts.

Every element the drafter proposes is an `Element`: the pack fragment, the sentences it came
from and a confidence, so the review report can show a privacy officer why each line exists.
The order of work matters: negative statements first (they become `never` rules or
closed-world exceptions and win any conflict with a positive reading), then sharing and use,
choices, rights, retention, programs and statements. Whatever the text leaves out but the
schema requires (a role, a policy-change sentence) is filled with a visible default.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from privet.policy.draft import lexicon, programs, readers, telecom
from privet.policy.draft.elements import Element, NegativeFinding, _slug, _trim, covering
from privet.policy.draft.extract import Statement
from privet.policy.draft.labels import FPC, TPS, UCC
from privet.policy.draft.provider import ProviderGuess
from privet.policy.draft.readers import EXTENSION_PURPOSES, OPT_CUE
from privet.policy.draft.segment import Document
from privet.policy.taxonomy import overlaps

# A choice names a legal regime only when its topic is that regime's subject matter: a directory
# choice first described in a sentence that also mentions CPNI is still no CPNI choice.
TOPIC_REGIMES = {
    "cpni-marketing": "cpni",
    "consent-cpni": "cpni",
    "marketing-email": "can_spam",
    "telemarketing": "tcpa",
    "marketing-text-messages": "tcpa",
    "fcra-affiliate-sharing": "fcra",
    "sale-opt-out": "ccpa",
}


class PackBuilder:
    """Collects elements from statements and renders them as a pack mapping."""

    def __init__(self, doc: Document, provider: ProviderGuess, statements: list[Statement], today: date) -> None:
        self.doc = doc
        self.provider = provider
        self.statements = statements
        self.today = today
        self.sections: dict[str, dict[str, Element]] = {
            name: {}
            for name in (
                "collection",
                "recipients",
                "choices",
                "rules",
                "rights",
                "retention",
                "prohibited",
                "statements",
                "extensions",
            )
        }
        self.negatives: list[NegativeFinding] = []
        self.segment_choice: dict[int, tuple[str, str, str]] = {}
        self._programs: tuple[dict[str, Any], list[Element]] | None = None
        self.conflicts: list[str] = []
        self.telecom_counts: dict[str, int] = {name: 0 for name, _ in telecom.TAGS}
        self.segment_channels: dict[int, list[str]] = {}
        for st in statements:
            self.segment_channels.setdefault(st.evidence.segment, [])
            self.segment_channels[st.evidence.segment] += [
                c for c in st.channels if c not in self.segment_channels[st.evidence.segment]
            ]

    # ------------------------------------------------------------------ helpers

    def _p(self, st: Statement, *labels: str) -> float:
        """The classifier's support for reading `st` as one of `labels` (rule-based hits floor at 0.5)."""
        return max([st.probabilities.get(label, 0.0) for label in labels] + [0.0])

    def _use(self, st: Statement, element: Element, confidence: float) -> None:
        element.add(st.evidence, round(confidence, 3))
        tag = f"{element.section}:{element.id}"
        if tag not in st.used_by:
            st.used_by.append(tag)

    def _default_channels(self) -> list[str]:
        return self.provider.privacy_contact.channels() or ["web_form"]

    def recipient(self, kind: str) -> str:
        """Id of the recipient of `kind`, declaring it on first use."""
        if kind == "first_party":
            rid = "first-party"
            if rid not in self.sections["recipients"]:
                self.sections["recipients"][rid] = Element(
                    "recipients", rid, {"id": rid, "name": self.provider.name, "kind": "first_party"}, source="default"
                )
            return rid
        rid, name = lexicon.RECIPIENT_NAMES[kind]
        if rid not in self.sections["recipients"]:
            self.sections["recipients"][rid] = Element("recipients", rid, {"id": rid, "name": name, "kind": kind})
        return rid

    def rule(
        self,
        st: Statement | None,
        purpose: str,
        recipient_kind: str,
        basis: str,
        categories: list[str],
        confidence: float,
        choice: str | None = None,
        when: dict[str, Any] | None = None,
        obligations: list[str] | None = None,
        source: str = "classifier",
        prefix: str = "",
    ) -> Element:
        """Declare or extend the rule for (purpose, recipient, basis, choice, when)."""
        rid_recipient = self.recipient(recipient_kind)
        when = when or {}
        tail = purpose.split(".")[-1].replace("_", "-")
        base = prefix or {"never": "no", "only_with_opt_in": "consent", "unless_opted_out": "optout"}.get(basis, "")
        rid = _slug("-".join(p for p in (base, tail, rid_recipient) if p))
        if when.get("max_age") is not None:
            rid += "-children"
        if when.get("jurisdictions"):
            rid += "-" + "-".join(j.lower() for j in when["jurisdictions"])
        key_data = {"purpose": purpose, "recipient": rid_recipient, "basis": basis, "choice": choice, "when": when}
        existing = next(
            (
                e
                for e in self.sections["rules"].values()
                if all(e.data.get(k) == v for k, v in key_data.items() if k != "when") and e.data.get("when", {}) == when
            ),
            None,
        )
        if existing is None:
            unique = rid
            n = 2
            while unique in self.sections["rules"]:
                unique = f"{rid}-{n}"
                n += 1
            data: dict[str, Any] = {
                "id": unique,
                "categories": covering(categories or ["user"]),
                "purpose": purpose,
                "recipient": rid_recipient,
                "basis": basis,
            }
            if choice:
                data["choice"] = choice
            if when:
                data["when"] = when
            if obligations:
                data["obligations"] = obligations
            if st is not None:
                data["description"] = _trim(st.text, 240)
            existing = Element("rules", unique, data, source=source)
            self.sections["rules"][unique] = existing
        else:
            existing.data["categories"] = covering(existing.data["categories"] + (categories or ["user"]))
            for ob in obligations or []:
                existing.data.setdefault("obligations", [])
                if ob not in existing.data["obligations"]:
                    existing.data["obligations"].append(ob)
        if st is not None:
            self._use(st, existing, confidence)
        else:
            existing.confidence = max(existing.confidence, confidence)
        return existing

    def choice(self, st: Statement, kind: str, topic: str, confidence: float, regime: str | None = None) -> Element:
        """Declare or extend the choice for `topic`; the first sentence describing it names it."""
        cid = _slug(topic)
        element = self.sections["choices"].get(cid)
        if element is not None and element.data["kind"] != kind and "opt_in" in (kind, element.data["kind"]):
            cid = _slug(f"{topic}-{kind.replace('_', '-')}")  # an opt-in and an opt-out on one topic are two choices
            element = self.sections["choices"].get(cid)
        channels = st.channels or self.segment_channels.get(st.evidence.segment, [])
        if element is None:
            notes = []
            if not channels:
                channels = self._default_channels()
                notes.append("the text names no way to set this choice: channels default to the privacy contact")
            data: dict[str, Any] = {
                "id": cid,
                "name": re.sub(
                    r"\b(cpni|fcra|sms)\b", lambda m: m.group(1).upper(), topic.replace("-", " ").capitalize(), flags=re.I
                ),
                "description": _trim(st.text),
                "kind": kind,
                "default": "denied" if kind == "opt_in" else "allowed",
                "channels": list(dict.fromkeys(channels)),
            }
            if st.response_time and kind != "opt_in":
                data["takes_effect_within"] = str(st.response_time)
            if st.jurisdictions and kind != "opt_in":
                data["conditions"] = {"jurisdictions": st.jurisdictions}
            regime = regime or TOPIC_REGIMES.get(cid.removesuffix("-opt-in"))
            if regime:
                data["regime"] = regime
            element = Element("choices", cid, data, notes=notes)
            self.sections["choices"][cid] = element
        else:
            for c in channels:
                if c not in element.data["channels"]:
                    element.data["channels"].append(c)
        self._use(st, element, confidence)
        return element

    # ------------------------------------------------------------------ readers

    def read_all(self) -> None:
        for st in self.statements:
            for tag in telecom.tags(st.text):
                self.telecom_counts[tag] += 1
        for st in self.statements:
            if st.negation is not None:
                readers.negative(self, st)
            elif st.choice_kind and (UCC in st.labels or OPT_CUE.search(st.text)):
                topic = readers.topic(self, st)
                element = self.choice(st, st.choice_kind, topic, 0.5 + 0.5 * self._p(st, UCC))
                self.segment_choice.setdefault(st.evidence.segment, (st.choice_kind, topic, element.id))
        for st in self.statements:
            aup_context = bool(telecom.AUP_CONTEXT.search(st.evidence.section)) or "acceptable_use" in telecom.tags(st.text)
            if aup_context and ((st.negation is not None and st.negation.subject == "user") or programs.aup_clause(self, st)):
                programs.prohibition(self, st)
                continue
            if st.negation is None or not (set(st.negation.actions) & {"sell", "share", "use", "collect"}):
                readers.positive(self, st)
            readers.choice_statement(self, st)
            readers.right_statement(self, st)
            readers.retention_statement(self, st)
            readers.statement_fields(self, st)
            readers.collection_statement(self, st)
        programs.telecom_rules(self)

    def _statement(self, st: Statement, name: str, value: Any, confidence: float) -> None:
        element = self.sections["statements"].get(name)
        if element is None:
            element = Element("statements", name, {"value": value})
            self.sections["statements"][name] = element
        else:
            element.data["value"] = value
        self._use(st, element, confidence)

    def statement_other(self, st: Statement) -> None:
        existing = self.sections["statements"].get("other")
        items = existing.data["value"] if existing else []
        self._statement(st, "other", [*items, _trim(st.text, 300)], 0.5 + 0.5 * self._p(st, FPC, TPS))

    def _extension_purpose(self, key: str) -> None:
        if key not in self.sections["extensions"]:
            name, description = EXTENSION_PURPOSES[key]
            self.sections["extensions"][key] = Element(
                "extensions", key, {"key": key, "name": name, "description": description}, source="telecom-rules"
            )

    # ------------------------------------------------------------------ resolution and output

    def resolve_conflicts(self) -> None:
        """A `required` rule that contradicts a `never` one is dropped: the negative promise is the one to keep."""
        rules = self.sections["rules"]
        nevers = [r for r in rules.values() if r.data["basis"] == "never"]
        for rid, rule in list(rules.items()):
            if rule.data["basis"] != "required":
                continue
            for never in nevers:
                same = (rule.data["purpose"], rule.data["recipient"], rule.data.get("when", {})) == (
                    never.data["purpose"],
                    never.data["recipient"],
                    never.data.get("when", {}),
                )
                if same and any(overlaps(a, b) for a in rule.data["categories"] for b in never.data["categories"]):
                    self.conflicts.append(
                        f"dropped rule '{rid}' ({rule.data['purpose']} to {rule.data['recipient']}): it contradicts never rule '{never.id}'"
                    )
                    del rules[rid]
                    break

    def ensure_minimums(self) -> None:
        """The schema needs a collection, a rule and a role; say so when the text supplied none."""
        if not self.sections["collection"]:
            self.sections["collection"]["personal-information"] = Element(
                "collection",
                "personal-information",
                {
                    "id": "personal-information",
                    "description": "The policy does not say what it collects; review.",
                    "categories": ["user"],
                    "subjects": ["customer"],
                    "sources": ["direct"],
                },
                confidence=0.1,
                notes=["no collection statement found: placeholder"],
                source="default",
            )
        if not self.sections["rules"]:
            element = self.rule(None, "essential.service", "first_party", "required", ["user"], 0.1, source="default")
            element.notes.append("no rule could be read from the text: placeholder for providing the service")
            element.data["description"] = "Placeholder: the draft found no rule in the text."

    def roles(self) -> list[dict[str, Any]]:
        cpni = any(any(c.startswith("user.telecom") for c in r.data["categories"]) for r in self.sections["rules"].values())
        care = ["user.name", "user.contact", "user.telecom.account_number"] + (["user.telecom.cpni"] if cpni else [])
        return [
            {
                "id": "privacy_officer",
                "name": "Privacy officer",
                "description": "Default role added by the drafter; review.",
                "may_see": [{"categories": ["user"], "purposes": ["essential.legal_obligation"]}],
            },
            {
                "id": "care_rep",
                "name": "Customer-care representative",
                "description": "Default role added by the drafter; review.",
                "may_see": [{"categories": care, "purposes": ["essential.service"]}],
            },
        ]

    def programs(self) -> tuple[dict[str, Any], list[Element]]:
        if self._programs is None:
            self._programs = programs.build_programs(self)
        return self._programs

    def subjects(self) -> list[str]:
        text = " ".join(st.text for st in self.statements).lower()
        subjects = ["customer"]
        for key, pattern in (
            ("visitor", r"\bvisitors?\b|\bweb ?sites?\b|\bcookies?\b"),
            ("customer.business", r"\bbusiness customers?\b|\benterprise\b|\bbusinesses\b"),
            ("former_customer", r"\bformer customers?\b"),
            ("job_applicant", r"\bjob applica|\bresum[eé]s?\b"),
            ("child", r"\bchild(?:ren)?\b|\bminors?\b"),
            ("referred_friend", r"\brefer(?:red)? (?:a )?friends?\b|\btell[- ]a[- ]friend\b"),
            ("complainant", r"\bcopyright (?:owners?|holders?)\b|\bcomplainants?\b|\bdmca\b"),
        ):
            if re.search(pattern, text):
                subjects.append(key)
        return subjects

    def statements_block(self) -> dict[str, Any]:
        fields = {name: e.data["value"] for name, e in self.sections["statements"].items()}
        if "policy_changes" not in fields:
            fields["policy_changes"] = "The policy does not say how changes are announced (drafter placeholder; review)."
        if "children_found" in fields and "children_min_age" not in fields:
            del fields["children_found"]
        return fields

    def pack(self) -> dict[str, Any]:
        provider = self.provider
        pack_id = _slug(provider.name) or "draft"
        meta: dict[str, Any] = {
            "id": pack_id,
            "version": "0.1-draft",
            "effective": (provider.effective or self.today).isoformat(),
            "material_change": False,
            "summary": f"Draft generated by privet policy draft from {self.doc.path.rsplit('/', 1)[-1]} on {self.today.isoformat()}; review every element before use.",
        }
        contacts: dict[str, Any] = {}
        if provider.copyright_agent is not None and self.telecom_counts.get("copyright", 0):
            contacts["copyright-agent"] = provider.copyright_agent.to_dict() or {"title": "Designated copyright agent"}
        programs, _ = self.programs()
        out: dict[str, Any] = {
            "pack": meta,
            "provider": {
                "name": provider.name,
                "kind": provider.kind,
                "service_lines": provider.service_lines,
                "privacy_contact": provider.privacy_contact.to_dict(),
                **({"other_contacts": contacts} if contacts else {}),
            },
        }
        if self.sections["extensions"]:
            out["extensions"] = {"purposes": [e.data for e in self.sections["extensions"].values()]}
        out["subjects"] = self.subjects()
        out["collection"] = [e.data for e in self.sections["collection"].values()]
        out["recipients"] = [e.data for e in self.sections["recipients"].values()]
        out["choices"] = [e.data for e in self.sections["choices"].values()]
        out["rules"] = [e.data for e in self.sections["rules"].values()]
        out["rights"] = [e.data for e in self.sections["rights"].values()]
        out["retention"] = [e.data for e in self.sections["retention"].values()]
        out["roles"] = self.roles()
        if programs:
            out["programs"] = programs
        out["statements"] = self.statements_block()
        return out

    def elements(self) -> list[Element]:
        _, program_elements = self.programs()
        ordered: list[Element] = []
        for name in ("collection", "recipients", "choices", "rules", "rights", "retention", "statements", "extensions"):
            ordered.extend(self.sections[name].values())
        return ordered + program_elements
