"""Check the numpy MiniLM against references before trusting its embeddings.

Two checks: (1) the cosine similarities published for all-MiniLM-L6-v2 in the
sentence-transformers quick-start; (2) when the `tokenizers` package is importable (it is not a
privet dependency; install it anywhere on PYTHONPATH), our WordPiece ids equal the reference
tokenizer's on every text file given. Exit 1 on any mismatch.

    python scripts/compiler_verify_encoder.py [TEXT_FILE ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from privet.policy.draft.encoder import MiniLM, model_dir

PUBLISHED = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}
SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]


def main(files: list[str]) -> int:
    model = MiniLM()
    emb = model.embed(SENTENCES)
    sims = emb @ emb.T
    failed = False
    for (i, j), expected in PUBLISHED.items():
        ok = abs(float(sims[i, j]) - expected) < 5e-4
        failed |= not ok
        print(f"similarity {i}-{j}: {sims[i, j]:.4f} (published {expected:.4f}) {'ok' if ok else 'MISMATCH'}")
    try:
        from tokenizers import Tokenizer  # type: ignore[import-not-found]
    except ImportError:
        print("tokenizers not importable: skipped the WordPiece comparison")
        return 1 if failed else 0
    reference = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    reference.no_truncation()
    reference.no_padding()
    lines = 0
    for name in files:
        for line in Path(name).read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            lines += 1
            ours = model.tokenizer.encode(line, 10**6)
            theirs = reference.encode(line).ids
            if ours != theirs:
                failed = True
                print(f"token mismatch in {name}: {line[:80]!r}")
    print(f"WordPiece compared on {lines} lines: {'ok' if not failed else 'MISMATCHES above'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
