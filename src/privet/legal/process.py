"""What each kind of demand may obtain (18 U.S.C. 2702-2703, 2709; 47 U.S.C. 222, 551). Pure rules.

Data is sorted into classes by category: basic subscriber information (BSI, 2703(c)(2)),
other non-content records, communications content, and cable viewing records. Each demand kind
reaches some classes and not others: a subpoena gets BSI only (SCA-02); contents need a warrant
(SCA-01); a voluntary emergency disclosure needs a recorded good-faith belief of danger of death
or serious injury (SCA-03); viewing records never go to government by the ECPA route (CABLE-04);
a PSAP gets who and where, for the emergency (222(d)(4), 222(g)). A broad category ("user")
reaches every class beneath it, so asking for everything under a subpoena is refused rather
than trimmed silently.

Deliberately conservative: call detail is treated as beyond BSI, because privet's call-detail
category includes call location; the 2703(b) route to stored contents by subpoena with prior
notice is not offered (a warrant is always asked for); and viewing records are never released
through privet (a 551(h) order is handled outside it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from privet.policy.taxonomy import is_within


class LegalError(ValueError):
    """A legal-process operation refused, in words the legal team can act on."""


class DemandKind(StrEnum):
    SUBPOENA = "subpoena"
    COURT_ORDER = "court_order"
    SEARCH_WARRANT = "search_warrant"
    ORDER_2703D = "order_2703d"
    PRESERVATION_REQUEST = "preservation_request"
    EMERGENCY_REQUEST = "emergency_request"
    PSAP_911 = "psap_911"
    NATIONAL_SECURITY_LETTER = "national_security_letter"
    CIVIL_DISCOVERY = "civil_discovery"
    PROVIDER_REFERRAL = "provider_referral"
    BUSINESS_TRANSFER = "business_transfer"


class DataClass(StrEnum):
    BSI = "basic_subscriber_information"
    NON_CONTENT = "non_content_records"
    CONTENT = "contents"
    CABLE_VIEWING = "cable_viewing_records"


BSI_PREFIXES = (
    "user.name",
    "user.contact",
    "user.account.username",
    "user.unique_id",
    "user.telecom.account_number",
    "user.telecom.ip_assignment",
    "user.payment",
    "user.financial.credit_card",
    "user.financial.bank_account",
)
CONTENT_PREFIXES = ("user.telecom.content", "user.content")
VIEWING_PREFIXES = ("user.telecom.cable_viewing",)
PSAP_PREFIXES = ("user.name", "user.contact", "user.telecom.cpni.location", "user.location")
TOLL_PREFIXES = ("user.telecom.cpni.call_detail", "user.telecom.cpni.billing")

B, N, C = DataClass.BSI, DataClass.NON_CONTENT, DataClass.CONTENT
K = DemandKind


@dataclass(frozen=True)
class KindRule:
    classes: frozenset[DataClass]
    extra: tuple[str, ...]  # category prefixes reached beyond the classes
    only: tuple[str, ...]  # when set, only these category prefixes are reached
    issuer: str  # government | private | psap | acquirer | any
    purposes: tuple[str, ...]  # the first is the default
    recipient: str  # default recipient (a pack recipient id or kind)
    voluntary: bool
    needs_basis: bool
    rule: str


LEGAL = "essential.legal_obligation.legal_process"
KINDS: dict[DemandKind, KindRule] = {
    K.SUBPOENA: KindRule(frozenset({B}), (), (), "government", (LEGAL,), "government", False, False, "SCA-02"),
    K.ORDER_2703D: KindRule(frozenset({B, N}), (), (), "government", (LEGAL,), "government", False, False, "SCA-02"),
    K.COURT_ORDER: KindRule(frozenset({B, N}), (), (), "government", (LEGAL,), "government", False, False, "SCA-01"),
    K.SEARCH_WARRANT: KindRule(frozenset({B, N, C}), (), (), "government", (LEGAL,), "government", False, False, "SCA-01"),
    K.NATIONAL_SECURITY_LETTER: KindRule(
        frozenset({B}), TOLL_PREFIXES, (), "government", (LEGAL,), "government", False, False, "SCA-02"
    ),
    K.PRESERVATION_REQUEST: KindRule(frozenset(), (), (), "government", (LEGAL,), "government", False, False, "SCA-04"),
    K.EMERGENCY_REQUEST: KindRule(
        frozenset({B, N, C}), (), (), "government", ("essential.emergency_response",), "government", True, True, "SCA-03"
    ),
    K.PSAP_911: KindRule(
        frozenset(), (), PSAP_PREFIXES, "psap", ("essential.emergency_response",), "psap", True, False, "CPNI-23"
    ),
    K.CIVIL_DISCOVERY: KindRule(
        frozenset({B, N}), (), (), "private", (LEGAL, "essential.protect_rights"), "third_party", False, False, "SCA-05"
    ),
    K.PROVIDER_REFERRAL: KindRule(
        frozenset({B, N}),
        (),
        (),
        "any",
        ("essential.protect_rights", "essential.abuse_handling", "essential.fraud_detection", "essential.legal_obligation"),
        "government",
        True,
        True,
        "SCA-05",
    ),
    K.BUSINESS_TRANSFER: KindRule(
        frozenset({B, N, C, DataClass.CABLE_VIEWING}),
        (),
        (),
        "acquirer",
        ("essential.business_transfer",),
        "acquirer",
        True,
        False,
        "policy",
    ),
}
ISSUERS = ("government", "private", "psap", "acquirer")


def classes_of(category: str) -> frozenset[DataClass]:
    """The classes a category reaches: its own, or every class beneath it when it is broad."""
    for cls, prefixes in ((DataClass.CABLE_VIEWING, VIEWING_PREFIXES), (C, CONTENT_PREFIXES), (B, BSI_PREFIXES)):
        if any(is_within(category, p) for p in prefixes):
            return frozenset({cls})
    found = {N}
    for cls, prefixes in ((DataClass.CABLE_VIEWING, VIEWING_PREFIXES), (C, CONTENT_PREFIXES), (B, BSI_PREFIXES)):
        if any(is_within(p, category) for p in prefixes):
            found.add(cls)
    return frozenset(found)


@dataclass(frozen=True)
class Refusal:
    category: str
    rule: str
    reason: str


def refusals(kind: DemandKind, categories: tuple[str, ...], *, issuer_kind: str) -> list[Refusal]:
    """Why each category may not be released under this kind of demand; empty when all may."""
    spec = KINDS[kind]
    out: list[Refusal] = []
    for category in categories:
        reached = _reaches(spec, category)
        if reached:
            continue
        classes = classes_of(category)
        if DataClass.CABLE_VIEWING in classes and issuer_kind == "government":
            out.append(
                Refusal(category, "CABLE-04", "viewing records never go to government by the ECPA route (47 U.S.C. 551(c)(2)(D))")
            )
        elif DataClass.CONTENT in classes and kind is not K.PRESERVATION_REQUEST:
            out.append(
                Refusal(
                    category, "SCA-01", f"contents need a search warrant; a {kind.value.replace('_', ' ')} does not reach them"
                )
            )
        elif kind is K.PRESERVATION_REQUEST:
            out.append(Refusal(category, "SCA-04", "a preservation request preserves records; it releases nothing"))
        else:
            what = ", ".join(sorted(c.value.replace("_", " ") for c in classes))
            out.append(Refusal(category, spec.rule, f"a {kind.value.replace('_', ' ')} does not reach {what}"))
    return out


def _reaches(spec: KindRule, category: str) -> bool:
    if spec.only:
        return any(is_within(category, p) for p in spec.only)
    if any(is_within(category, p) for p in spec.extra):
        return True
    return classes_of(category) <= spec.classes


def cable_notice_first(kind: DemandKind, service_lines: frozenset[str]) -> bool:
    """A cable subscriber's data under a (non-ECPA) court order needs the subscriber notified first (CABLE-03)."""
    return "cable" in service_lines and kind in (K.COURT_ORDER, K.CIVIL_DISCOVERY)
