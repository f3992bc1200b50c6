"""Recall and precision of the drafter's negative-statement reader on OPP-115.

    python scripts/compiler_negatives.py [--opp115 PATH]

OPP-115 annotators mark each collection/use and sharing practice "Does" or "Does Not". A
segment is a gold negative when at least two annotators marked a "Does Not" practice in it
(separately for first-party collection/use and third-party sharing). The reader finds a
negative when some sentence of the segment is a provider's (or recipient's) negated collect,
use, share or sell. Recall is over gold negatives; precision counts a found negative as right
when at least one annotator marked "Does Not" there. No model is needed: this is the rule-based
path that turns negatives into `never` rules.
"""

from __future__ import annotations

import argparse
import json
import sys

from compiler_opp115 import corpus_dir, negative_gold

from privet.policy.draft.extract import find_negation
from privet.policy.draft.segment import sentences

FIRST = {"collect", "use"}
THIRD = {"share", "sell"}


def found(text: str) -> set[str]:
    actions: set[str] = set()
    for sentence in sentences(text):
        neg = find_negation(sentence)
        if neg is not None and neg.subject != "user":
            actions |= set(neg.actions)
    return actions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opp115", help="OPP-115 folder (default: $PRIVET_OPP115 or ../shared/corpus/opp115)")
    args = parser.parse_args()
    gold = negative_gold(corpus_dir(args.opp115))
    stats: dict[str, dict[str, int]] = {
        k: {"gold": 0, "hit": 0, "pred": 0, "pred_ok": 0} for k in ("first_party", "third_party", "any")
    }
    for seg in gold:
        acts = found(seg.text)
        pairs = (
            ("first_party", seg.first_party, bool(acts & FIRST)),
            ("third_party", seg.third_party, bool(acts & THIRD)),
            ("any", max(seg.first_party, seg.third_party), bool(acts & (FIRST | THIRD))),
        )
        for key, votes, predicted in pairs:
            s = stats[key]
            if votes >= 2:
                s["gold"] += 1
                s["hit"] += predicted
            if predicted:
                s["pred"] += 1
                s["pred_ok"] += votes >= 1
    result = {
        key: {
            "gold_negative_segments": s["gold"],
            "recall": round(s["hit"] / s["gold"], 3) if s["gold"] else None,
            "predicted": s["pred"],
            "precision": round(s["pred_ok"] / s["pred"], 3) if s["pred"] else None,
        }
        for key, s in stats.items()
    }
    print(json.dumps({"segments": len(gold), **result}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
