"""Train and evaluate the segment classifier of `privet policy draft`, and write its weights.

    python scripts/train_compiler.py [--opp115 PATH] [--folds 5] [--out src/privet/policy/draft/data/classifier.npz]

Steps: (1) run the numpy MiniLM once over every sentence of every OPP-115 segment, keeping the
mean-pooled token states after each layer (cached outside the repository, in
$PRIVET_COMPILER_CACHE or ~/.cache/privet-compiler, so nothing derived from OPP-115 lands in the
working tree; about 25 minutes on the 2-core machine the first time), and pool them per segment
as the drafter does; (2) 5-fold GroupKFold by policy, never by segment: the TF-IDF + logistic
regression baseline (scikit-learn, word 1-2 grams; C=1, C=10, and C=10 with balanced class
weights, the setting that reproduces the published ~0.79/0.73) and privet's model (balanced
logistic regressions over hashed n-grams and over multi-layer sentence embeddings, stacked with
the neighbouring segments' predictions; stacker and per-label thresholds fitted on inner
policy-grouped out-of-fold predictions of the training folds only); (3) fit the final model on
all policies and save it. Metrics go to stdout and metrics.json in that cache folder.
Needs scikit-learn and scipy (training only, the `dev` extra; drafting needs numpy alone).
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
from privet.policy.draft.encoder import DIMENSION, MiniLM
from privet.policy.draft.features import BUCKETS, document_frequencies, idf_from_df, tfidf_rows
from privet.policy.draft.segment import sentences

F = npt.NDArray[np.float32]
CACHE = Path(os.environ.get("PRIVET_COMPILER_CACHE") or Path.home() / ".cache" / "privet-compiler")
THRESHOLDS = np.linspace(0.1, 0.8, 29)
ALL_LAYERS = 7  # the embedding output and six transformer layers, all cached
BASELINES = {"C1": (1.0, None), "C10": (10.0, None), "C10_balanced": (10.0, "balanced")}


def embeddings(segments: list[OppSegment]) -> F:
    """Segment features exactly as the drafter builds them (`classifier.embedding_features`): per
    sentence, MiniLM's pooled states after layers 0-6 are cached by a digest of the texts, outside
    the repository; the shipped layers are then normalised, concatenated and pooled per segment."""
    digest = hashlib.sha256("\x1e".join(s.text for s in segments).encode()).hexdigest()[:16]
    states_path = CACHE / f"opp115-sent-layers-{digest}.npy"
    sizes_path = CACHE / f"opp115-sent-sizes-{digest}.npy"
    pieces = [sentences(s.text) or [s.text] for s in segments]
    flat = [x for group in pieces for x in group]
    if states_path.exists() and sizes_path.exists():
        states: F = np.load(states_path)
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
        model = MiniLM()
        started = time.time()
        states = np.zeros((len(flat), ALL_LAYERS, DIMENSION), dtype=np.float32)
        for start in range(0, len(flat), 1000):
            states[start : start + 1000] = model.embed_layers(flat[start : start + 1000], range(ALL_LAYERS))
            print(f"  embedded {min(start + 1000, len(flat))}/{len(flat)} sentences ({time.time() - started:.0f} s)", flush=True)
        np.save(states_path, states)
        np.save(sizes_path, np.array([len(group) for group in pieces]))
    parts = clf.layer_features(states[:, list(clf.EMBEDDING_LAYERS)])
    return clf.pool_segments(parts, [len(group) for group in pieces])


def hashed_matrix(texts: list[str], idf: F) -> sparse.csr_matrix:
    indices, values = tfidf_rows(texts, idf)
    indptr = np.cumsum([0] + [len(i) for i in indices])
    data = np.concatenate(values) if values else np.zeros(0, np.float32)
    cols = np.concatenate(indices) if indices else np.zeros(0, np.int64)
    return sparse.csr_matrix((data, cols, indptr), shape=(len(texts), BUCKETS))


def fit_lr(x: Any, y: npt.NDArray[np.int_], c: float, weight: str | None = None, solver: str = "lbfgs") -> tuple[F, F]:
    """One-vs-rest logistic regressions as a (features, labels) weight matrix and biases.

    Level 1 uses balanced class weights: the class-balanced TF-IDF baseline gains six macro-F1
    points over the unweighted one, mostly on rare labels, and the views gain the same way."""
    weights = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    biases = np.zeros(y.shape[1], dtype=np.float32)
    for j in range(y.shape[1]):
        model = LogisticRegression(C=c, solver=solver, max_iter=3000, class_weight=weight, random_state=0)
        model.fit(x, y[:, j])
        weights[:, j] = model.coef_[0]
        biases[j] = model.intercept_[0]
    return weights, biases


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
    """Level-2 input, as the drafter builds it (`classifier.stack_inputs`) but with policy boundaries."""
    return clf.stack_inputs(p_t, p_e, lambda values: neighbours(groups, values))


class Model:
    """The shipped model: balanced LRs over hashed TF-IDF and multi-layer embeddings (level 1), a per-label
    LR over both views of the segment and its neighbours (level 2), and per-label thresholds chosen on
    out-of-fold predictions."""

    def __init__(self, c_tfidf: float = 10.0, c_emb: float = 0.01, c_stack: float = 0.05) -> None:
        """Strengths from a policy-grouped sweep on the training folds: C=10 for n-grams (the baseline's),
        0.01 for the 4,608 standardised embedding features (0.003 lost 1 point), 0.05 for the 72 stacker
        inputs (1.0 overfits the out-of-fold probabilities)."""
        self.c_tfidf, self.c_emb, self.c_stack = c_tfidf, c_emb, c_stack

    def fit_views(self, texts: list[str], emb: F, y: npt.NDArray[np.int_]) -> None:
        self.idf = idf_from_df(document_frequencies(texts), len(texts))
        self.w_t, self.b_t = fit_lr(hashed_matrix(texts, self.idf), y, self.c_tfidf, "balanced", "liblinear")
        self.mean = emb.mean(axis=0)
        self.scale = emb.std(axis=0) + 1e-6
        self.w_e, self.b_e = fit_lr((emb - self.mean) / self.scale, y, self.c_emb, "balanced")

    def views(self, texts: list[str], emb: F) -> tuple[F, F]:
        """Level-1 probabilities of the n-gram and the embedding views."""
        p_t = sigmoid(hashed_matrix(texts, self.idf) @ self.w_t + self.b_t)
        p_e = sigmoid(((emb - self.mean) / self.scale) @ self.w_e + self.b_e)
        return p_t, p_e

    def fit(self, texts: list[str], emb: F, y: npt.NDArray[np.int_], groups: list[str], inner: int = 3) -> None:
        """Level 2 and thresholds from inner out-of-fold level-1 predictions, then level 1 on everything."""
        oof_t = np.zeros(y.shape, np.float32)
        oof_e = np.zeros(y.shape, np.float32)
        for tr, te in GroupKFold(n_splits=inner).split(texts, y, groups):
            sub = Model(self.c_tfidf, self.c_emb, self.c_stack)
            sub.fit_views([texts[i] for i in tr], emb[tr], y[tr])
            oof_t[te], oof_e[te] = sub.views([texts[i] for i in te], emb[te])
        z = stack_features(oof_t, oof_e, groups)
        self.z_mean = z.mean(axis=0)
        self.z_scale = z.std(axis=0) + 1e-6
        z = (z - self.z_mean) / self.z_scale
        oof_s = np.zeros(y.shape, np.float32)
        for tr, te in GroupKFold(n_splits=inner).split(z, y, groups):
            w, b = fit_lr(z[tr], y[tr], self.c_stack)
            oof_s[te] = sigmoid(z[te] @ w + b)
        self.thresholds = np.full(y.shape[1], 0.5, np.float32)
        for j in range(y.shape[1]):
            best = max((f1_score(y[:, j], oof_s[:, j] >= t, zero_division=0), -abs(t - 0.5), t) for t in THRESHOLDS)
            # Halfway between the out-of-fold F1-best threshold and 0.5: the per-label optimum on ~2,300
            # segments is noisy (rare labels have a few dozen positives), and shrinking it recovered
            # the micro-F1 that full tuning gave away while keeping most of its macro-F1 gain.
            self.thresholds[j] = (best[2] + 0.5) / 2
        self.w_s, self.b_s = fit_lr(z, y, self.c_stack)
        self.fit_views(texts, emb, y)

    def predict(self, texts: list[str], emb: F, groups: list[str]) -> npt.NDArray[np.bool_]:
        p_t, p_e = self.views(texts, emb)
        z = (stack_features(p_t, p_e, groups) - self.z_mean) / self.z_scale
        out: npt.NDArray[np.bool_] = sigmoid(z @ self.w_s + self.b_s) >= self.thresholds
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            labels=np.array(LABELS),
            emb_layers=np.array(clf.EMBEDDING_LAYERS, dtype=np.int64),
            idf=self.idf.astype(np.float16),
            w_tfidf=self.w_t.astype(np.float16),
            b_tfidf=self.b_t,
            emb_mean=self.mean.astype(np.float32),
            emb_scale=self.scale.astype(np.float32),
            w_emb=self.w_e.astype(np.float16),
            b_emb=self.b_e,
            stack_mean=self.z_mean.astype(np.float32),
            stack_scale=self.z_scale.astype(np.float32),
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
        metrics["privet_multilayer_minilm_tfidf_context"] = scores(y, pred_ours)
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
