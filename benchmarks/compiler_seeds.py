"""Draft each seed policy and compare the draft with the hand-written pack for that seed.

    python benchmarks/compiler_seeds.py [--seeds ../shared/seeds] [--packs policies] [--json OUT]

A draft rule matches a hand-written rule when their purposes overlap (one contains the other),
their recipients are of the same kind, their bases are equal and their categories overlap;
the loose score drops the recipient and category conditions. Choices match on topic (CPNI,
marketing email, cookies, sale, ...), rights on kind. Negative recall is the share of the
hand-written `never` and `only_with_opt_in` rules that some draft rule of the same basis and an
overlapping purpose covers. Prints precision, recall and what each draft misses.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from privet.policy.draft.pipeline import draft_policy, load_models
from privet.policy.taxonomy import overlaps

REPO = Path(__file__).resolve().parents[1]
TOPICS: tuple[tuple[str, str], ...] = (
    ("cpni", r"cpni"),
    ("directory", r"directory"),
    ("caller-id", r"caller"),
    ("fcra", r"fcra|credit"),
    ("sale", r"\bsale\b|\bsell|ccpa"),
    ("email", r"e-?mail|unsubscribe|can_spam"),
    ("telemarketing", r"telemarketing|do.not.call|\bphone\b|tcpa"),
    ("sms", r"\btext|\bsms"),
    ("cookies", r"cookie|browser"),
    ("advertising", r"advertis|interest|industry"),
    ("location", r"location"),
    ("sharing", r"third.part|shar|affiliate"),
    ("marketing", r"marketing|offer|promot|newsletter"),
    ("policy", r"policy|accept"),
)


def topic(choice: dict[str, Any]) -> str:
    text = " ".join(str(choice.get(k, "")) for k in ("id", "name", "regime")).lower()
    return next((name for name, pattern in TOPICS if re.search(pattern, text)), "other")


def kinds(pack: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["kind"] for r in pack.get("recipients", [])}


def rule_match(d: dict[str, Any], dk: dict[str, str], g: dict[str, Any], gk: dict[str, str], loose: bool = False) -> bool:
    if not overlaps(d["purpose"], g["purpose"]) or d["basis"] != g["basis"]:
        return False
    if loose:
        return True
    if dk.get(d["recipient"]) != gk.get(g["recipient"]):
        return False
    return any(overlaps(a, b) for a in d["categories"] for b in g["categories"])


def pr(matched_d: int, n_d: int, matched_g: int, n_g: int) -> dict[str, float | int | None]:
    """Precision and recall; None where there is nothing to divide by (no draft or no hand-written items)."""
    return {
        "precision": round(matched_d / n_d, 3) if n_d else None,
        "recall": round(matched_g / n_g, 3) if n_g else None,
        "draft": n_d,
        "hand": n_g,
    }


def compare(draft: dict[str, Any], gold: dict[str, Any]) -> dict[str, Any]:
    dk, gk = kinds(draft), kinds(gold)
    d_rules, g_rules = draft.get("rules", []), gold.get("rules", [])
    out: dict[str, Any] = {}
    for name, loose in (("rules", False), ("rules_loose", True)):
        md = sum(1 for d in d_rules if any(rule_match(d, dk, g, gk, loose) for g in g_rules))
        mg = sum(1 for g in g_rules if any(rule_match(d, dk, g, gk, loose) for d in d_rules))
        out[name] = pr(md, len(d_rules), mg, len(g_rules))
    g_neg = [g for g in g_rules if g["basis"] in ("never", "only_with_opt_in")]
    hit = [g for g in g_neg if any(d["basis"] == g["basis"] and overlaps(d["purpose"], g["purpose"]) for d in d_rules)]
    out["negative_rules"] = {"recall": round(len(hit) / len(g_neg), 3) if g_neg else 1.0, "hand": len(g_neg), "found": len(hit)}
    d_topics = {topic(c) for c in draft.get("choices", [])}
    g_topics = {topic(c) for c in gold.get("choices", [])}
    out["choices"] = pr(len(d_topics & g_topics), len(d_topics), len(d_topics & g_topics), len(g_topics))
    d_rights = {r["kind"] for r in draft.get("rights", [])}
    g_rights = {r["kind"] for r in gold.get("rights", [])}
    out["rights"] = pr(len(d_rights & g_rights), len(d_rights), len(d_rights & g_rights), len(g_rights))
    out["missed"] = {
        "rules": [
            f"{g['id']} ({g['basis']} {g['purpose']} -> {gk.get(g['recipient'])})"
            for g in g_rules
            if not any(rule_match(d, dk, g, gk, True) for d in d_rules)
        ],
        "negative_rules": [f"{g['id']} ({g['basis']} {g['purpose']})" for g in g_neg if g not in hit],
        "choice_topics": sorted(g_topics - d_topics),
        "right_kinds": sorted(g_rights - d_rights),
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=REPO / ".." / "shared" / "seeds")
    parser.add_argument("--packs", type=Path, default=REPO / "policies")
    parser.add_argument("--json", type=Path, help="write the full comparison here")
    args = parser.parse_args()
    models = load_models()
    results: dict[str, Any] = {}
    totals: dict[str, list[int]] = {}
    for seed in sorted(args.seeds.glob("*.txt")):
        number = seed.name[:3]
        packs = sorted(args.packs.glob(f"{number}-*/pack.yaml"))
        started = time.perf_counter()
        draft = draft_policy(seed, models)
        elapsed = time.perf_counter() - started
        errors = [str(p) for p in draft.problems if p.severity == "error"]
        entry: dict[str, Any] = {
            "seconds": round(elapsed, 1),
            "check_errors": errors,
            "unplaced": len(draft.unplaced),
            "draft_rules": len(draft.pack["rules"]),
        }
        if packs:
            gold = yaml.safe_load(packs[0].read_text(encoding="utf-8"))
            entry["hand_pack"] = str(packs[0].relative_to(args.packs.parent))
            entry.update(compare(draft.pack, gold))
            for key in ("rules", "rules_loose", "choices", "rights"):
                t = totals.setdefault(key, [0, 0, 0, 0])
                n_d, n_g = entry[key]["draft"], entry[key]["hand"]
                t[0] += round((entry[key]["precision"] or 0.0) * n_d)
                t[1] += n_d
                t[2] += round((entry[key]["recall"] or 0.0) * n_g)
                t[3] += n_g
            t = totals.setdefault("negative_rules", [0, 0, 0, 0])
            t[2] += entry["negative_rules"]["found"]
            t[3] += entry["negative_rules"]["hand"]
        results[seed.name] = entry
        line = f"{seed.name}: {entry['draft_rules']} rules, check errors {len(errors)}, unplaced {entry['unplaced']}"
        if packs:
            line += (
                f" | rules P {entry['rules']['precision']} R {entry['rules']['recall']} (loose P {entry['rules_loose']['precision']} R {entry['rules_loose']['recall']})"
                f" | choices P {entry['choices']['precision']} R {entry['choices']['recall']} | rights P {entry['rights']['precision']} R {entry['rights']['recall']}"
                f" | negative-rule recall {entry['negative_rules']['recall']} ({entry['negative_rules']['found']}/{entry['negative_rules']['hand']})"
            )
        else:
            line += " | no hand-written pack yet"
        print(line, flush=True)
    pooled = {
        k: {"precision": round(v[0] / v[1], 3) if v[1] else None, "recall": round(v[2] / v[3], 3) if v[3] else None}
        for k, v in totals.items()
    }
    results["pooled"] = pooled
    print("pooled over seeds with a hand-written pack:", json.dumps(pooled))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
