"""Train and evaluate the segment classifier of `privet policy draft`, and write its weights.

    python scripts/train_compiler.py [--opp115 PATH] [--folds 5] [--out src/privet/policy/draft/data/classifier.npz]

Steps: (1) embed every sentence of every OPP-115 segment with the numpy MiniLM and pool them per
segment as the drafter does (cached outside
the repository, in $PRIVET_COMPILER_CACHE or ~/.cache/privet-compiler, so nothing derived from
OPP-115 lands in the working tree); (2) 5-fold GroupKFold by policy, never by segment: the
TF-IDF + logistic regression baseline (scikit-learn, word 1-2 grams; C=1, C=10, and C=10 with
balanced class weights, the setting that reproduces the published ~0.79/0.73) and privet's
model (hashed n-gram LR and sentence-embedding LR, stacked with the neighbouring segments'
predictions, per-label thresholds chosen by an inner policy-grouped CV on the training folds
only); (3) fit the final model on all policies and save it. Metrics go to
stdout and metrics.json in that cache folder. Needs scikit-learn (training only; drafting needs numpy).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from compiler_opp115 import LABELS, OppSegment, corpus_dir, load
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.metrics import f1_score  # type: ignore[import-untyped]
from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

from privet.policy.draft import classifier as clf
from privet.policy.draft.encoder import MiniLM
from privet.policy.draft.features import BUCKETS, document_frequencies, idf_from_df, tfidf_rows

F = npt.NDArray[np.float32]
CACHE = Path(os.environ.get("PRIVET_COMPILER_CACHE") or Path.home() / ".cache" / "privet-compiler")
THRESHOLDS = np.linspace(0.1, 0.8, 29)
BASELINES = {"C1": (1.0, None), "C10": (10.0, None), "C10_balanced": (10.0, "balanced")}


def embeddings(segments: list[OppSegment]) -> F:
    """Segment features exactly as the drafter builds them (mean and max of sentence embeddings),
    cached by a digest of the texts, outside the repository."""
    digest = hashlib.sha256("\x1e".join(s.text for s in segments).encode()).hexdigest()[:16]
    path = CACHE / f"opp115-emb-meanmax-{digest}.npy"
    if path.exists():
        cached: F = np.load(path)
        return cached
    CACHE.mkdir(parents=True, exist_ok=True)
    model = MiniLM()
    started = time.time()
    parts = []
    texts = [s.text for s in segments]
    for start in range(0, len(texts), 200):
        parts.append(clf.embedding_features(model, texts[start : start + 200]))
        print(f"  embedded {start + len(parts[-1])}/{len(texts)} segments ({time.time() - started:.0f} s)", flush=True)
    out = np.concatenate(parts).astype(np.float32)
    np.save(path, out)
    return out


def hashed_matrix(texts: list[str], idf: F) -> sparse.csr_matrix:
    indices, values = tfidf_rows(texts, idf)
    indptr = np.cumsum([0] + [len(i) for i in indices])
    data = np.concatenate(values) if values else np.zeros(0, np.float32)
    cols = np.concatenate(indices) if indices else np.zeros(0, np.int64)
    return sparse.csr_matrix((data, cols, indptr), shape=(len(texts), BUCKETS))


def fit_lr(x: Any, y: npt.NDArray[np.int_], c: float) -> tuple[F, F]:
    """One-vs-rest logistic regressions as a (features, labels) weight matrix and biases (level 2)."""
    weights = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    biases = np.zeros(y.shape[1], dtype=np.float32)
    for j in range(y.shape[1]):
        model = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
        model.fit(x, y[:, j])
        weights[:, j] = model.coef_[0]
        biases[j] = model.intercept_[0]
    return weights, biases


def fit_ridge(x: Any, y: npt.NDArray[np.int_], lam: float) -> tuple[F, F]:
    """All labels' ridge regressions in one closed-form solve (level 1).

    A shared 2-core machine makes iterative solvers slow; ridge needs one linear solve for all
    twelve labels: the dual (n x n) form for sparse n-grams, the primal form for dense embeddings.
    A constant column carries the bias."""
    targets = y.astype(np.float64)
    if sparse.issparse(x):
        xb = sparse.hstack([x, np.ones((x.shape[0], 1))]).tocsr()
        kernel = (xb @ xb.T).toarray()
        alpha = np.linalg.solve(kernel + lam * np.eye(kernel.shape[0]), targets)
        w = np.asarray(xb.T @ alpha)
    else:
        xb = np.hstack([x, np.ones((x.shape[0], 1))])
        w = np.linalg.solve(xb.T @ xb + lam * np.eye(xb.shape[1]), xb.T @ targets)
    return w[:-1].astype(np.float32), w[-1].astype(np.float32)


def sigmoid(x: Any) -> F:
    out: F = (1.0 / (1.0 + np.exp(-np.clip(np.asarray(x), -30, 30)))).astype(np.float32)
    return out


def neighbours(groups: list[str], values: F) -> tuple[F, F]:
    """Rows of the previous and next segment of the same policy (a segment's own row at the ends)."""
    prev, nxt = values.copy(), values.copy()
    for i in range(len(groups)):
        if i > 0 and groups[i - 1] == groups[i]:
            prev[i] = values[i - 1]
        if i + 1 < len(groups) and groups[i + 1] == groups[i]:
            nxt[i] = values[i + 1]
    return prev, nxt


def stack_features(p_t: F, p_e: F, groups: list[str]) -> F:
    """Level-2 input: both views' probabilities and the blended probabilities of the neighbours."""
    blended: F = ((p_t + p_e) / 2).astype(np.float32)
    prev, nxt = neighbours(groups, blended)
    return np.concatenate([p_t, p_e, prev, nxt], axis=1).astype(np.float32)


class Model:
    """The shipped model: hashed TF-IDF LR and embedding LR (level 1), a per-label LR over both views and
    the neighbouring segments (level 2), and per-label thresholds chosen on out-of-fold predictions."""

    def __init__(self, l_tfidf: float = 0.3, l_emb: float = 3000.0, c_stack: float = 1.0) -> None:
        """Ridge strengths from a policy-grouped sweep (0.3-3 for n-grams, 100-3000 for embeddings)."""
        self.l_tfidf, self.l_emb, self.c_stack = l_tfidf, l_emb, c_stack

    def fit_views(self, texts: list[str], emb: F, y: npt.NDArray[np.int_]) -> None:
        self.idf = idf_from_df(document_frequencies(texts), len(texts))
        self.w_t, self.b_t = fit_ridge(hashed_matrix(texts, self.idf), y, self.l_tfidf)
        self.mean = emb.mean(axis=0)
        self.scale = emb.std(axis=0) + 1e-6
        self.w_e, self.b_e = fit_ridge((emb - self.mean) / self.scale, y, self.l_emb)

    def views(self, texts: list[str], emb: F) -> tuple[F, F]:
        """Level-1 scores (ridge outputs, roughly 0-1) of the n-gram and the embedding views."""
        s_t: F = np.asarray(hashed_matrix(texts, self.idf) @ self.w_t + self.b_t, dtype=np.float32)
        s_e: F = (((emb - self.mean) / self.scale) @ self.w_e + self.b_e).astype(np.float32)
        return s_t, s_e

    def fit(self, texts: list[str], emb: F, y: npt.NDArray[np.int_], groups: list[str], inner: int = 3) -> None:
        """Level 2 and thresholds from inner out-of-fold level-1 predictions, then level 1 on everything."""
        oof_t = np.zeros(y.shape, np.float32)
        oof_e = np.zeros(y.shape, np.float32)
        for tr, te in GroupKFold(n_splits=inner).split(texts, y, groups):
            sub = Model(self.l_tfidf, self.l_emb, self.c_stack)
            sub.fit_views([texts[i] for i in tr], emb[tr], y[tr])
            oof_t[te], oof_e[te] = sub.views([texts[i] for i in te], emb[te])
        z = stack_features(oof_t, oof_e, groups)
        oof_s = np.zeros(y.shape, np.float32)
        for tr, te in GroupKFold(n_splits=inner).split(z, y, groups):
            w, b = fit_lr(z[tr], y[tr], self.c_stack)
            oof_s[te] = sigmoid(z[te] @ w + b)
        self.thresholds = np.full(y.shape[1], 0.5, np.float32)
        for j in range(y.shape[1]):
            best = max((f1_score(y[:, j], oof_s[:, j] >= t, zero_division=0), -abs(t - 0.5), t) for t in THRESHOLDS)
            self.thresholds[j] = best[2]
        self.w_s, self.b_s = fit_lr(z, y, self.c_stack)
        self.fit_views(texts, emb, y)

    def predict(self, texts: list[str], emb: F, groups: list[str]) -> npt.NDArray[np.bool_]:
        p_t, p_e = self.views(texts, emb)
        p = sigmoid(stack_features(p_t, p_e, groups) @ self.w_s + self.b_s)
        out: npt.NDArray[np.bool_] = p >= self.thresholds
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            labels=np.array(LABELS),
            idf=self.idf.astype(np.float16),
            w_tfidf=self.w_t.astype(np.float16),
            b_tfidf=self.b_t,
            emb_mean=self.mean.astype(np.float32),
            emb_scale=self.scale.astype(np.float32),
            w_emb=self.w_e.astype(np.float32),
            b_emb=self.b_e,
            w_stack=self.w_s.astype(np.float32),
            b_stack=self.b_s,
            thresholds=self.thresholds,
        )


def scores(y: npt.NDArray[np.int_], pred: npt.NDArray[np.bool_]) -> dict[str, Any]:
    per = f1_score(y, pred, average=None, zero_division=0)
    return {
        "micro_f1": round(float(f1_score(y, pred, average="micro", zero_division=0)), 4),
        "macro_f1": round(float(f1_score(y, pred, average="macro", zero_division=0)), 4),
        "per_label": {label: round(float(v), 4) for label, v in zip(LABELS, per, strict=True)},
    }


def baseline_predict(
    train: list[str], y: npt.NDArray[np.int_], test: list[str], c: float, weight: str | None
) -> npt.NDArray[np.bool_]:
    """The reference baseline: sklearn TF-IDF word 1-2 grams + one-vs-rest LR at threshold 0.5."""
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    xtr, xte = vec.fit_transform(train), vec.transform(test)
    out = np.zeros((len(test), y.shape[1]), dtype=bool)
    for j in range(y.shape[1]):
        model = LogisticRegression(C=c, solver="liblinear", max_iter=1000, class_weight=weight)
        model.fit(xtr, y[:, j])
        out[:, j] = model.predict_proba(xte)[:, 1] >= 0.5
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opp115", help="OPP-115 folder (default: $PRIVET_OPP115 or ../shared/corpus/opp115)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=clf.DEFAULT_MODEL)
    parser.add_argument("--skip-eval", action="store_true", help="only fit and save the final model")
    args = parser.parse_args()

    segments = load(corpus_dir(args.opp115))
    texts = [s.text for s in segments]
    groups = [s.policy for s in segments]
    y = np.array([[label in s.labels for label in LABELS] for s in segments], dtype=int)
    print(f"OPP-115: {len(segments)} segments with a majority label, {len(set(groups))} policies, {len(LABELS)} labels")
    emb = embeddings(segments)

    metrics: dict[str, Any] = {"segments": len(segments), "policies": len(set(groups)), "folds": args.folds}
    if not args.skip_eval:
        baselines = {name: np.zeros(y.shape, dtype=bool) for name in BASELINES}
        pred_ours = np.zeros(y.shape, dtype=bool)
        for fold, (tr, te) in enumerate(GroupKFold(n_splits=args.folds).split(texts, y, groups), start=1):
            tr_texts, te_texts = [texts[i] for i in tr], [texts[i] for i in te]
            for name, pred in baselines.items():
                pred[te] = baseline_predict(tr_texts, y[tr], te_texts, *BASELINES[name])
            model = Model()
            model.fit(tr_texts, emb[tr], y[tr], [groups[i] for i in tr])
            pred_ours[te] = model.predict(te_texts, emb[te], [groups[i] for i in te])
            base = {name: scores(y[te], pred[te])["micro_f1"] for name, pred in baselines.items()}
            print(f"  fold {fold}: baseline micro {base}, ours {scores(y[te], pred_ours[te])['micro_f1']}", flush=True)
        for name, pred in baselines.items():
            metrics[f"baseline_tfidf_lr_{name}"] = scores(y, pred)
        metrics["privet_minilm_tfidf_context"] = scores(y, pred_ours)
        print(json.dumps({k: v for k, v in metrics.items() if isinstance(v, dict)}, indent=1))

    final = Model()
    final.fit(texts, emb, y, groups)
    final.save(args.out)
    metrics["final_thresholds"] = dict(zip(LABELS, map(float, final.thresholds), strict=True))
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
