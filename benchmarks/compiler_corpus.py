"""Draft every real telecom policy in the shared corpus and count what lands in 'could not place'.

    python benchmarks/compiler_corpus.py [--corpus ../shared/corpus/policies] [--json OUT]

README.md in that folder describes the corpus and is skipped. Each draft must come out without
an exception and pass `privet policy check` (errors 0; warnings are allowed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from privet.policy.draft.pipeline import draft_policy, load_models
from privet.policy.draft.report import build_report

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / ".." / "shared" / "corpus" / "policies")
    parser.add_argument("--json", type=Path, help="write per-file results here")
    args = parser.parse_args()
    models = load_models()
    rows: list[dict[str, Any]] = []
    failures = 0
    for path in sorted(args.corpus.glob("*.md")):
        if path.name == "README.md":
            continue
        started = time.perf_counter()
        try:
            draft = draft_policy(path, models)
        except Exception as exc:  # the benchmark records any crash instead of stopping
            failures += 1
            rows.append({"file": path.name, "error": f"{type(exc).__name__}: {exc}"})
            print(f"{path.name}: FAILED {type(exc).__name__}: {exc}", flush=True)
            continue
        report = build_report(draft)
        s = report["summary"]
        row = {
            "file": path.name,
            "seconds": round(time.perf_counter() - started, 1),
            "sentences": s["sentences"],
            "could_not_place": s["could_not_place"],
            "share_unplaced": round(s["could_not_place"] / max(s["sentences"], 1), 3),
            "rules": s["rules"],
            "never_rules": s["never_rules"],
            "negative_statements": s["negative_statements"],
            "choices": s["choices"],
            "rights": s["rights"],
            "telecom_hits": s["telecom_rule_hits"],
            "check_errors": s["check"]["errors"],
            "check_warnings": s["check"]["warnings"],
            "dropped_by_validation": len(report["dropped_by_validation"]),
        }
        failures += bool(row["check_errors"])
        rows.append(row)
        print(json.dumps(row), flush=True)
    ok = [r for r in rows if "error" not in r]
    total_sentences = sum(r["sentences"] for r in ok)
    total_unplaced = sum(r["could_not_place"] for r in ok)
    summary = {
        "files": len(rows),
        "drafted": len(ok),
        "failed": failures,
        "sentences": total_sentences,
        "could_not_place": total_unplaced,
        "share_unplaced": round(total_unplaced / max(total_sentences, 1), 3),
        "check_errors": sum(r["check_errors"] for r in ok),
        "telecom_hits": sum(r["telecom_hits"] for r in ok),
    }
    print("summary:", json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "files": rows}, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
