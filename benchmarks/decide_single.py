"""Single decisions in process, with their reasons, on one core: with the memo warm and with it off.

Every decision returned carries its full reasons (a `Decision` with `reasons`), memoised or not.
The population is synthetic (`bulk_synth`), turned into `SubjectFacts` before timing starts;
the requests are a mix of campaign shapes from the pack's own rules; pairs are drawn at random.

    .venv/bin/python benchmarks/decide_single.py
    .venv/bin/python benchmarks/decide_single.py --pack policies/000-metronet --decisions 2000000

Prints JSON lines, decisions per second: through `Decider.decide` (the signature memo of
`bulk_memo`, keyed on the request's audience signature) warm, and the share of decisions it
answered; through `Decider.evaluate` with only the engine's own memo warm (keyed on every fact a
decision could read); and with the engine's memo off too (every decision computed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from privet.decide import engine
from privet.decide.bulk_population import facts_from_row
from privet.decide.bulk_synth import synthetic_population
from privet.decide.decider import Decider
from privet.decide.engine import Request, UnknownRecipient
from privet.policy.load import load_pack_or_raise
from privet.regimes.base import SubjectFacts

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2026, 6, 1, 12, tzinfo=UTC)


def request_mix(decider: Decider, shapes: int, rng: random.Random) -> list[Request]:
    """Campaign shapes from the pack's rules (their first categories, purpose and recipient), some by channel."""
    out = []
    for rule in decider.current.pack.rules:
        channel = "email" if "email" in rule.purpose else "sms" if "sms" in rule.purpose else None
        request = Request(tuple(rule.categories[:2]), rule.purpose, rule.recipient, channel)
        try:
            decider.current.plan(request)
        except UnknownRecipient:
            continue
        out.append(request)
    rng.shuffle(out)
    return out[:shapes]


def run(decide: Any, pairs: list[tuple[Request, SubjectFacts]]) -> float:
    start = time.perf_counter()
    for request, facts in pairs:
        decide(request, facts, AT)
    return time.perf_counter() - start


def computed(decider: Decider, pairs: list[tuple[Request, SubjectFacts]]) -> int:
    """How many of the pairs the engine's memo would not answer (counted on a separate, untimed pass)."""
    calls = 0
    originals = {}
    for compiled in decider.versions.values():
        original = compiled._evaluate_plan
        originals[compiled] = original

        def counting(*args: Any, _original: Any = original) -> Any:
            nonlocal calls
            calls += 1
            return _original(*args)

        compiled._evaluate_plan = counting  # type: ignore[method-assign]
    try:
        run(decider.evaluate, pairs)
    finally:
        for compiled, original in originals.items():
            compiled._evaluate_plan = original  # type: ignore[method-assign]
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=ROOT / "policies" / "001-mettel")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--shapes", type=int, default=16)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cpu", type=int, default=0, help="the core to pin to")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    pack = load_pack_or_raise(args.pack)
    rng = random.Random(args.seed)
    decider = Decider(pack)
    frame = synthetic_population(
        args.people, seed=args.seed, choices=list(decider.current.choices.values()), now=AT, current_version=pack.pack.version
    )
    people = [facts_from_row(row, AT) for row in frame.iter_rows(named=True)]
    shapes = request_mix(decider, args.shapes, rng)
    pairs = [(rng.choice(shapes), rng.choice(people)) for _ in range(args.decisions)]
    base = {"pack": pack.pack.id, "people": args.people, "request_shapes": len(shapes), "decisions": len(pairs)}

    front = Decider(pack)
    run(front.decide, pairs)  # fills the signature memo
    evaluated = 0
    evaluate = front.evaluate

    def counting(request: Request, facts: SubjectFacts, at: datetime) -> Any:
        nonlocal evaluated
        evaluated += 1
        return evaluate(request, facts, at)

    front.evaluate = counting  # type: ignore[method-assign]
    run(front.decide, pairs)  # in the steady state: how many the signature memo does not answer
    front.evaluate = evaluate  # type: ignore[method-assign]
    seconds = run(front.decide, pairs)
    print(json.dumps({**base, "path": "Decider.decide (signature memo), warm", "per_second": round(len(pairs) / seconds),
                      "memo_answered_share": round(1 - evaluated / len(pairs), 4), "seconds": round(seconds, 2)}))  # fmt: skip

    warm = Decider(pack)
    run(warm.evaluate, pairs)  # fills the engine's memo
    misses = computed(warm, pairs)
    seconds = run(warm.evaluate, pairs)
    print(json.dumps({**base, "path": "Decider.evaluate (engine memo), warm", "per_second": round(len(pairs) / seconds),
                      "memo_answered_share": round(1 - misses / len(pairs), 4), "seconds": round(seconds, 2)}))  # fmt: skip

    engine.CACHE_LIMIT = 0  # the memo holds one entry and is cleared before every store: each decision is computed
    cold = Decider(pack)
    subset = pairs[: max(1, len(pairs) // 10)]
    seconds = run(cold.evaluate, subset)
    print(json.dumps({**base, "decisions": len(subset), "path": "Decider.evaluate, engine memo off", "per_second": round(len(subset) / seconds),
                      "seconds": round(seconds, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
