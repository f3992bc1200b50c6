"""The review report: what the draft proposes, from which sentences, how surely, and what it missed.

A draft pack is only useful if a privacy officer can check it quickly, so the report puts each
proposed element next to the sentences it came from and a confidence, lists every negative
statement with what it became, counts the telecom rules that fired, and lists the statements
the drafter could not place. It is written twice: JSON for tools, Markdown for people.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from privet.policy.draft.elements import Element
from privet.policy.draft.pipeline import Draft


def _element(e: Element) -> dict[str, Any]:
    return {
        "section": e.section,
        "id": e.id,
        "confidence": round(e.confidence, 2),
        "source": e.source,
        "proposed": e.data,
        "evidence": [ev.to_dict() for ev in e.evidence],
        "notes": e.notes,
    }


def build_report(draft: Draft) -> dict[str, Any]:
    """The report as one JSON-ready mapping."""
    elements = [_element(e) for e in draft.elements]
    by_section = Counter(e["section"] for e in elements)
    negatives = [
        {
            "sentence": n.evidence.sentence,
            "line": n.evidence.line,
            "section": n.evidence.section,
            "outcome": n.outcome,
            "rules": n.rules,
            "exceptions": n.exceptions,
        }
        for n in draft.negatives
    ]
    unplaced = [
        {
            "sentence": st.text,
            "line": st.evidence.line,
            "section": st.evidence.section,
            "labels": list(st.labels),
            "best_label": max(st.probabilities, key=lambda k: st.probabilities[k]) if st.probabilities else None,
            "probability": max(st.probabilities.values()) if st.probabilities else 0.0,
        }
        for st in draft.unplaced
    ]
    errors = [str(p) for p in draft.problems if p.severity == "error"]
    warnings = [str(p) for p in draft.problems if p.severity != "error"]
    label_counts = Counter(label for _, labels in draft.segment_labels for label in labels)
    return {
        "source": draft.source.path.rsplit("/", 1)[-1],
        "format": draft.source.fmt,
        "pack_id": draft.pack["pack"]["id"],
        "summary": {
            "segments": len(draft.segment_labels),
            "sentences": len(draft.statements),
            "elements": dict(by_section),
            "rules": len(draft.pack.get("rules", [])),
            "choices": len(draft.pack.get("choices", [])),
            "rights": len(draft.pack.get("rights", [])),
            "negative_statements": len(negatives),
            "never_rules": sum(1 for r in draft.pack.get("rules", []) if r["basis"] == "never"),
            "telecom_rule_hits": sum(draft.telecom.values()),
            "could_not_place": len(unplaced),
            "ignored": draft.ignored,
            "check": {"errors": len(errors), "warnings": len(warnings)},
        },
        "provider_guesses": draft.provider_notes,
        "input_notes": draft.source.notes,
        "segment_categories": dict(label_counts),
        "elements": elements,
        "negative_statements": negatives,
        "telecom": draft.telecom,
        "conflicts": draft.conflicts,
        "dropped_by_validation": draft.dropped,
        "check_problems": errors + warnings,
        "could_not_place": unplaced,
    }


def _quote(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def markdown(report: dict[str, Any]) -> str:
    """The report for people: a summary, then each section with evidence under each element."""
    s = report["summary"]
    out = [
        f"# Draft review: {report['source']}",
        "",
        f"Pack `{report['pack_id']}` drafted from {s['segments']} segments ({s['sentences']} sentences). "
        f"{s['rules']} rules ({s['never_rules']} never), {s['choices']} choices, {s['rights']} rights; "
        f"{s['negative_statements']} negative statements; {s['telecom_rule_hits']} telecom rule hits; "
        f"{s['could_not_place']} statements could not be placed. `privet policy check`: {s['check']['errors']} errors, {s['check']['warnings']} warnings.",
        "",
        "Confidence is 0-1: the classifier's support for the sentence's practice category combined with how much of the element",
        "came from the text rather than from defaults. Read every element; low confidence first.",
        "",
        "## Provider guesses",
        "",
        *[f"- {n}" for n in report["provider_guesses"]],
        *[f"- input: {n}" for n in report["input_notes"]],
        "",
        "## Negative statements",
        "",
    ]
    if not report["negative_statements"]:
        out.append("None found.")
    for n in report["negative_statements"]:
        rules = ", ".join(f"`{r}`" for r in n["rules"]) or "no rule"
        exceptions = f" (exceptions: {', '.join(n['exceptions'])})" if n["exceptions"] else ""
        out.append(f"- line {n['line']}: **{n['outcome']}** → {rules}{exceptions}  \n  > {_quote(n['sentence'])}")
    current = None
    for e in sorted(report["elements"], key=lambda x: (x["section"], x["confidence"])):
        if e["section"] != current:
            current = e["section"]
            out += ["", f"## {current.capitalize()}", ""]
        out.append(f"### `{e['id']}` (confidence {e['confidence']:.2f}, {e['source']})")
        out.append("")
        proposed = e["proposed"] if e["section"] != "statements" else {"value": e["proposed"].get("value")}
        out.append("    " + str(proposed)[:600])
        for note in e["notes"]:
            out.append(f"- note: {note}")
        for ev in e["evidence"][:6]:
            out.append(f"- line {ev['line']}: > {_quote(ev['sentence'])[:400]}")
        if len(e["evidence"]) > 6:
            out.append(f"- … and {len(e['evidence']) - 6} more sentences")
        out.append("")
    out += ["## Telecom rules (extension set beyond OPP-115)", ""]
    out += [f"- {name}: {count}" for name, count in report["telecom"].items()]
    if report["conflicts"] or report["dropped_by_validation"]:
        out += ["", "## Conflicts and validation", ""]
        out += [f"- {c}" for c in report["conflicts"] + report["dropped_by_validation"]]
    if report["check_problems"]:
        out += ["", "## `privet policy check`", ""] + [f"- {p}" for p in report["check_problems"]]
    out += ["", f"## Could not place ({len(report['could_not_place'])})", ""]
    for u in report["could_not_place"]:
        label = f"{u['best_label']} {u['probability']:.2f}" if u["best_label"] else "no label"
        out.append(f"- line {u['line']} ({label}): {_quote(u['sentence'])[:400]}")
    ignored = s["ignored"]
    out += [
        "",
        f"Ignored as introductory text: {ignored['introductory']}; contact lines: {ignored['contact']}; fragments under five words: {ignored['fragments']}.",
        "",
    ]
    return "\n".join(out)
