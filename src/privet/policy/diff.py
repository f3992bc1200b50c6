"""Compare two versions of a pack and say which changes are material.

A material change is one a person would need to be told about, and often to agree to,
before their existing data may be handled the new way: a new purpose for data already
held, a new recipient, weaker consent, longer retention, a new category collected, a
choice or right taken away. Wording, contact details, shorter retention and stronger
consent are not material. Each change carries its reason so a privacy officer can check
the classification instead of trusting it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from privet.policy.model import Basis, Choice, PolicyPack, Retention, Right, Rule
from privet.policy.taxonomy import overlaps


@dataclass(frozen=True)
class Change:
    element: str
    material: bool
    reason: str
    before: str | None = None
    after: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def diff_packs(old: PolicyPack, new: PolicyPack) -> list[Change]:
    """Every change from `old` to `new`, material ones first."""
    changes: list[Change] = []
    changes += _meta(old, new)
    changes += _collection(old, new)
    changes += _recipients(old, new)
    changes += _rules(old, new)
    changes += _choices(old, new)
    changes += _rights(old, new)
    changes += _retention(old, new)
    changes += _statements(old, new)
    changes += _programs(old, new)
    changes += _roles(old, new)
    return sorted(changes, key=lambda c: (not c.material, c.element))


def any_material(changes: Iterable[Change]) -> bool:
    return any(c.material for c in changes)


def _by_id(items: Iterable[Any]) -> dict[str, Any]:
    return {item.id: item for item in items}


def _wording(element: str, old: Any, new: Any, fields: Iterable[str]) -> list[Change]:
    out = []
    for name in fields:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            out.append(Change(f"{element}.{name}", False, "wording", str(before), str(after)))
    return out


def _meta(old: PolicyPack, new: PolicyPack) -> list[Change]:
    out = _wording("pack", old.pack, new.pack, ("version", "effective", "summary"))
    if old.provider != new.provider:
        for name in ("name", "legal_name", "privacy_contact", "other_contacts"):
            if getattr(old.provider, name) != getattr(new.provider, name):
                out.append(Change(f"provider.{name}", False, "contact details or naming"))
        if set(new.provider.service_lines) - set(old.provider.service_lines):
            added = sorted(s.value for s in set(new.provider.service_lines) - set(old.provider.service_lines))
            out.append(Change("provider.service_lines", False, "the policy now covers more services", after=", ".join(added)))
    return out


def _collected(pack: PolicyPack) -> set[str]:
    return {k for c in pack.collection for k in c.categories}


def _covered(key: str, keys: Iterable[str]) -> bool:
    return any(overlaps(key, other) for other in keys)


def _collection(old: PolicyPack, new: PolicyPack) -> list[Change]:
    out = []
    before = _collected(old)
    for key in sorted(_collected(new) - before):
        if not _covered(key, before):
            out.append(Change(f"collection:{key}", True, "new category of personal information collected", after=key))
    for key in sorted(before - _collected(new)):
        if not _covered(key, _collected(new)):
            out.append(Change(f"collection:{key}", False, "category no longer collected", before=key))
    old_ids, new_ids = _by_id(old.collection), _by_id(new.collection)
    for cid in sorted(set(old_ids) & set(new_ids)):
        out += _wording(f"collection/{cid}", old_ids[cid], new_ids[cid], ("description", "source_detail"))
        added = set(new_ids[cid].sources) - set(old_ids[cid].sources)
        if added:
            out.append(
                Change(
                    f"collection/{cid}.sources",
                    True,
                    "collected from a new source",
                    after=", ".join(sorted(a.value for a in added)),
                )
            )
    return out


def _allowing(pack: PolicyPack) -> list[Rule]:
    return [r for r in pack.rules if r.basis is not Basis.NEVER]


def _recipients(old: PolicyPack, new: PolicyPack) -> list[Change]:
    out = []
    old_ids, new_ids = _by_id(old.recipients), _by_id(new.recipients)
    receiving = {r.recipient for r in _allowing(new)}
    for rid in sorted(set(new_ids) - set(old_ids)):
        if rid in receiving:
            out.append(Change(f"recipients/{rid}", True, "new recipient of personal information", after=new_ids[rid].name))
        else:
            out.append(Change(f"recipients/{rid}", False, "recipient declared but given nothing", after=new_ids[rid].name))
    for rid in sorted(set(old_ids) - set(new_ids)):
        out.append(Change(f"recipients/{rid}", False, "recipient no longer receives anything", before=old_ids[rid].name))
    for rid in sorted(set(old_ids) & set(new_ids)):
        a, b = old_ids[rid], new_ids[rid]
        if a.kind != b.kind:
            out.append(
                Change(f"recipients/{rid}.kind", True, "recipient is now a different kind of party", a.kind.value, b.kind.value)
            )
        out += _wording(f"recipients/{rid}", a, b, ("name", "description"))
    return out


def _rules(old: PolicyPack, new: PolicyPack) -> list[Change]:
    out: list[Change] = []
    old_ids, new_ids = _by_id(old.rules), _by_id(new.rules)
    for rid in sorted(set(old_ids) & set(new_ids)):
        out += _rule_changed(old_ids[rid], new_ids[rid], old)
    for rid in sorted(set(new_ids) - set(old_ids)):
        out.append(_rule_added(new_ids[rid], old))
    for rid in sorted(set(old_ids) - set(new_ids)):
        rule = old_ids[rid]
        if rule.basis is Basis.NEVER:
            still_denied = not any(_same_use(rule, r) for r in _allowing(new))
            out.append(
                Change(
                    f"rules/{rid}",
                    not still_denied,
                    "prohibition removed"
                    + ("; the use stays denied (no rule allows it)" if still_denied else " and the use is now allowed"),
                )
            )
        else:
            out.append(Change(f"rules/{rid}", False, "use discontinued", before=f"{rule.purpose} -> {rule.recipient}"))
    return out


def _same_use(a: Rule, b: Rule) -> bool:
    return (
        a.purpose == b.purpose and a.recipient == b.recipient and any(overlaps(x, y) for x in a.categories for y in b.categories)
    )


def _rule_added(rule: Rule, old: PolicyPack) -> Change:
    element = f"rules/{rule.id}"
    if rule.basis is Basis.NEVER:
        return Change(element, False, "new prohibition (stronger protection)", after=f"{rule.purpose} -> {rule.recipient}")
    replaced = [r for r in old.rules if _same_use(rule, r)]
    if replaced:
        weakest_before = min(r.basis.strictness for r in replaced)
        if rule.basis.strictness < weakest_before:
            return Change(element, True, "consent weakened for an existing use", after=rule.basis.value)
        return Change(element, False, "use restated with the same or stronger consent", after=rule.basis.value)
    if old.recipient(rule.recipient) is None:
        return Change(element, True, "new recipient of personal information", after=rule.recipient)
    held_before = _collected(old)
    if any(_covered(c, held_before) for c in rule.categories):
        return Change(
            element, True, "new purpose or disclosure for data already held", after=f"{rule.purpose} -> {rule.recipient}"
        )
    return Change(element, True, "new use of a new category", after=f"{rule.purpose} -> {rule.recipient}")


def _rule_changed(a: Rule, b: Rule, old: PolicyPack) -> list[Change]:
    element = f"rules/{a.id}"
    out: list[Change] = []
    if a.basis != b.basis:
        weaker = b.basis.strictness < a.basis.strictness
        reason = f"consent {'weakened' if weaker else 'strengthened'} from {a.basis.value} to {b.basis.value}"
        out.append(Change(f"{element}.basis", weaker, reason, a.basis.value, b.basis.value))
    if a.purpose != b.purpose:
        out.append(
            Change(f"{element}.purpose", b.basis is not Basis.NEVER, "new purpose for data already held", a.purpose, b.purpose)
        )
    if a.recipient != b.recipient:
        material = b.basis is not Basis.NEVER
        out.append(Change(f"{element}.recipient", material, "data goes to a different recipient", a.recipient, b.recipient))
    added = [c for c in b.categories if not _covered(c, a.categories)]
    if added and b.basis is not Basis.NEVER:
        out.append(Change(f"{element}.categories", True, "more categories used for this purpose", after=", ".join(added)))
    elif set(a.categories) != set(b.categories):
        out.append(
            Change(
                f"{element}.categories",
                False,
                "categories narrowed" if b.basis is not Basis.NEVER else "prohibition's scope changed",
            )
        )
    if a.when != b.when:
        material = b.basis is not Basis.NEVER
        out.append(
            Change(
                f"{element}.when",
                material,
                "the people this rule applies to changed" if material else "prohibition's audience changed",
            )
        )
    if a.choice != b.choice:
        out.append(Change(f"{element}.choice", False, "governed by a different choice", a.choice, b.choice))
    out += _wording(element, a, b, ("description",))
    return out


def _choices(old: PolicyPack, new: PolicyPack) -> list[Change]:
    out: list[Change] = []
    old_ids, new_ids = _by_id(old.choices), _by_id(new.choices)
    for cid in sorted(set(old_ids) - set(new_ids)):
        out.append(Change(f"choices/{cid}", True, "choice removed", before=old_ids[cid].name))
    for cid in sorted(set(new_ids) - set(old_ids)):
        out.append(Change(f"choices/{cid}", False, "new choice offered", after=new_ids[cid].name))
    for cid in sorted(set(old_ids) & set(new_ids)):
        out += _choice_changed(f"choices/{cid}", old_ids[cid], new_ids[cid])
    return out


def _choice_changed(element: str, a: Choice, b: Choice) -> list[Change]:
    out = []
    if a.kind != b.kind:
        weaker = a.kind == "opt_in" and b.kind != "opt_in"
        out.append(Change(f"{element}.kind", weaker, f"choice changed from {a.kind} to {b.kind}", a.kind, b.kind))
    if a.default != b.default:
        out.append(Change(f"{element}.default", b.default == "allowed", "default changed", a.default, b.default))
    removed = set(a.channels) - set(b.channels)
    if removed:
        out.append(
            Change(
                f"{element}.channels",
                True,
                "a way to exercise the choice was removed",
                before=", ".join(sorted(c.value for c in removed)),
            )
        )
    if set(b.channels) - set(a.channels):
        out.append(
            Change(
                f"{element}.channels",
                False,
                "a new way to exercise the choice",
                after=", ".join(sorted(c.value for c in set(b.channels) - set(a.channels))),
            )
        )
    out += _longer(
        f"{element}.takes_effect_within",
        a.takes_effect_within,
        b.takes_effect_within,
        "choice takes longer to take effect",
        "choice takes effect sooner",
    )
    out += _wording(element, a, b, ("name", "description"))
    return out


def _longer(element: str, a: Any, b: Any, longer_reason: str, shorter_reason: str) -> list[Change]:
    if a == b:
        return []
    if a is None or b is None:
        material = b is None  # a limit removed is a limit lengthened to forever
        return [Change(element, material, longer_reason if material else shorter_reason, str(a), str(b))]
    if b.approx_days() > a.approx_days():
        return [Change(element, True, longer_reason, str(a), str(b))]
    return [Change(element, False, shorter_reason, str(a), str(b))]


def _rights(old: PolicyPack, new: PolicyPack) -> list[Change]:
    out: list[Change] = []
    old_ids, new_ids = _by_id(old.rights), _by_id(new.rights)
    for rid in sorted(set(old_ids) - set(new_ids)):
        out.append(Change(f"rights/{rid}", True, "right removed", before=old_ids[rid].kind.value))
    for rid in sorted(set(new_ids) - set(old_ids)):
        out.append(Change(f"rights/{rid}", False, "new right offered", after=new_ids[rid].kind.value))
    for rid in sorted(set(old_ids) & set(new_ids)):
        a: Right = old_ids[rid]
        b: Right = new_ids[rid]
        removed = set(a.channels) - set(b.channels)
        if removed:
            out.append(
                Change(
                    f"rights/{rid}.channels",
                    True,
                    "a way to exercise the right was removed",
                    before=", ".join(sorted(c.value for c in removed)),
                )
            )
        out += _longer(
            f"rights/{rid}.respond_within",
            a.respond_within,
            b.respond_within,
            "slower response promised",
            "faster response promised",
        )
        if a.who != b.who:
            out.append(Change(f"rights/{rid}.who", True, "who may use the right changed"))
        out += _wording(f"rights/{rid}", a, b, ("description", "exceptions"))
    return out


def _retention(old: PolicyPack, new: PolicyPack) -> list[Change]:
    out: list[Change] = []
    old_ids, new_ids = _by_id(old.retention), _by_id(new.retention)
    for rid in sorted(set(old_ids) - set(new_ids)):
        out.append(
            Change(f"retention/{rid}", True, "retention limit removed (data may be kept longer)", before=str(old_ids[rid].period))
        )
    for rid in sorted(set(new_ids) - set(old_ids)):
        out.append(Change(f"retention/{rid}", False, "new retention limit", after=str(new_ids[rid].period)))
    for rid in sorted(set(old_ids) & set(new_ids)):
        a: Retention = old_ids[rid]
        b: Retention = new_ids[rid]
        out += _longer(f"retention/{rid}.period", a.period, b.period, "retention lengthened", "retention shortened")
        if a.trigger != b.trigger:
            out.append(
                Change(
                    f"retention/{rid}.trigger", True, "retention now runs from a different event", str(a.trigger), str(b.trigger)
                )
            )
        out += _wording(f"retention/{rid}", a, b, ("description",))
    return out


def _statements(old: PolicyPack, new: PolicyPack) -> list[Change]:
    a, b = old.statements, new.statements
    out: list[Change] = []
    if a.do_not_track != b.do_not_track:
        out.append(
            Change(
                "statements.do_not_track",
                b.do_not_track == "not_honoured",
                "Do Not Track handling changed",
                a.do_not_track,
                b.do_not_track,
            )
        )
    if a.gpc != b.gpc:
        rank = {"not_honoured": 0, "honoured_where_required": 1, "honoured": 2}
        out.append(Change("statements.gpc", rank[b.gpc] < rank[a.gpc], "GPC handling changed", a.gpc, b.gpc))
    if a.older_data_keeps_version and not b.older_data_keeps_version:
        out.append(
            Change(
                "statements.older_data_keeps_version", True, "older data no longer stays under the version it was collected under"
            )
        )
    if a.children_min_age != b.children_min_age or a.children_found != b.children_found:
        out.append(Change("statements.children", True, "handling of children's information changed"))
    if set(a.material_change_notice) - set(b.material_change_notice):
        out.append(Change("statements.material_change_notice", True, "fewer ways of announcing material changes"))
    out += _wording("statements", a, b, ("policy_changes", "security", "cpni_authentication", "data_location", "other"))
    return out


def _programs(old: PolicyPack, new: PolicyPack) -> list[Change]:
    out: list[Change] = []
    a, b = old.programs.acceptable_use, new.programs.acceptable_use
    if a and b:
        old_ids, new_ids = _by_id(a.prohibited), _by_id(b.prohibited)
        for pid in sorted(set(new_ids) - set(old_ids)):
            out.append(
                Change(f"programs.acceptable_use.prohibited/{pid}", True, "new prohibited activity", after=new_ids[pid].kind)
            )
        for pid in sorted(set(old_ids) - set(new_ids)):
            out.append(Change(f"programs.acceptable_use.prohibited/{pid}", False, "activity no longer prohibited"))
        if [(s.step, s.at_strikes) for s in a.ladder] != [(s.step, s.at_strikes) for s in b.ladder]:
            out.append(Change("programs.acceptable_use.ladder", True, "enforcement steps or thresholds changed"))
        if set(b.immediate_grounds) - set(a.immediate_grounds):
            out.append(Change("programs.acceptable_use.immediate_grounds", True, "new grounds for immediate action"))
    elif a != b:
        out.append(Change("programs.acceptable_use", b is not None, "acceptable use program " + ("added" if b else "removed")))
    ca, cb = old.programs.copyright, new.programs.copyright
    if ca != cb:
        if ca and cb and ca.designated_agent != cb.designated_agent:
            out.append(Change("programs.copyright.designated_agent", False, "contact details or naming"))
        if ca and cb and ca.counter_notice_elements != cb.counter_notice_elements:
            out.append(Change("programs.copyright.counter_notice_elements", True, "counter-notice requirements changed"))
        if (ca is None) != (cb is None):
            out.append(Change("programs.copyright", cb is not None, "copyright program " + ("added" if cb else "removed")))
    return out


def _roles(old: PolicyPack, new: PolicyPack) -> list[Change]:
    out = []
    old_ids, new_ids = _by_id(old.roles), _by_id(new.roles)
    for rid in sorted(set(old_ids) ^ set(new_ids)):
        out.append(Change(f"roles/{rid}", False, "staff role " + ("added" if rid in new_ids else "removed") + " (internal)"))
    for rid in sorted(set(old_ids) & set(new_ids)):
        if old_ids[rid].may_see != new_ids[rid].may_see:
            out.append(
                Change(f"roles/{rid}.may_see", False, "staff access changed (internal; not a change to what people are told)")
            )
    return out


# Version bookkeeping every revision carries; the reader learns it from the notice's own heading.
_BOOKKEEPING = frozenset({"pack.version", "pack.effective", "pack.summary"})


def changes_since_previous(current: PolicyPack, history: Iterable[PolicyPack]) -> tuple[PolicyPack | None, list[Change]]:
    """The version in force before this one and what changed since, material changes first.

    The packs promise that changes are posted where the notice is (the privacy center's "What
    changed") and material ones announced (`consent.announcements`), so people learn what is new
    without having to compare two texts. Version bookkeeping (number, date, summary) is left out.
    """
    older = [p for p in history if p.pack.effective < current.pack.effective]
    if not older:
        return None, []
    previous = max(older, key=lambda p: p.pack.effective)
    return previous, [c for c in diff_packs(previous, current) if c.element not in _BOOKKEEPING]
