"""Which OPP-115 practice categories a policy segment talks about.

The model is a small head over two views of a segment. The embedding view reads MiniLM's
mean-pooled token states after each of its six layers (each layer's vector normalised, the six
concatenated), for every sentence, and pools them per segment by mean and maximum, so long
segments are not cut at 256 word pieces: the intermediate layers keep lexical and phrase-level
signal that the last, similarity-tuned layer smooths away, and reading them costs nothing extra
(one encoder pass). The second view is hashed word 1-2 grams with TF-IDF weights. Each view has a
one-vs-rest logistic regression with balanced class weights (rare practices such as Data
Retention or Practice not covered would otherwise never reach a threshold); a per-label logistic
regression stacks both views' probabilities with those of the neighbouring segments, and its
output is compared to per-label thresholds. Stacker and thresholds are fitted on out-of-fold
predictions by `scripts/train_compiler.py`. All of it is a few megabytes of numpy arrays in
`data/classifier.npz`, shipped with privet and never downloaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from privet.policy.draft.encoder import DIMENSION, MiniLM
from privet.policy.draft.features import sparse_dot, tfidf_rows
from privet.policy.draft.labels import LABELS
from privet.policy.draft.segment import sentences

Array = npt.NDArray[np.float32]

# The three "Other" labels fold back into OPP-115's tenth category for reporting.
CATEGORY_OF = {label: ("Other" if i >= 9 else label) for i, label in enumerate(LABELS)}
DEFAULT_MODEL = Path(__file__).with_name("data") / "classifier.npz"
# MiniLM layers read by the embedding view (1-6: every transformer layer, not the embedding lookup).
EMBEDDING_LAYERS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)


def pool(sentence_embeddings: Array) -> Array:
    """A segment's embedding view: the mean and the maximum of its sentences' vectors."""
    return np.concatenate([sentence_embeddings.mean(axis=0), sentence_embeddings.max(axis=0)]).astype(np.float32)


def pool_segments(parts: Array, sizes: Sequence[int]) -> Array:
    """Pool consecutive runs of sentence vectors (`sizes` sentences per segment) into segment features."""
    out = np.zeros((len(sizes), 2 * parts.shape[1]), dtype=np.float32)
    start = 0
    for row, size in enumerate(sizes):
        out[row] = pool(parts[start : start + size])
        start += size
    return out


def layer_features(states: Array) -> Array:
    """Sentence vectors from `MiniLM.embed_layers` output (texts, layers, 384): each layer's pooled
    state scaled to unit length (layers differ in norm by an order of magnitude), then concatenated."""
    norms = np.maximum(np.linalg.norm(states, axis=2, keepdims=True), 1e-12)
    unit: Array = (states / norms).reshape(states.shape[0], -1).astype(np.float32)
    return unit


def sentence_features(model: MiniLM, texts: Sequence[str], layers: Sequence[int] = EMBEDDING_LAYERS) -> Array:
    """One multi-layer vector per sentence (see `layer_features`), from one encoder pass."""
    if not texts:
        return np.zeros((0, len(layers) * DIMENSION), dtype=np.float32)
    return layer_features(model.embed_layers(texts, layers))


def embedding_features(model: MiniLM, texts: Sequence[str], layers: Sequence[int] = EMBEDDING_LAYERS) -> Array:
    """Segment features from one embedding pass over the sentences of each text."""
    pieces: list[list[str]] = [sentences(t) or [t] for t in texts]
    parts = sentence_features(model, [s for group in pieces for s in group], layers)
    return pool_segments(parts, [len(p) for p in pieces])


def neighbours(values: Array) -> tuple[Array, Array]:
    """Rows of the previous and the next segment (a segment's own row at either end)."""
    prev, nxt = values.copy(), values.copy()
    prev[1:] = values[:-1]
    nxt[:-1] = values[1:]
    return prev, nxt


def _sigmoid(x: Array) -> Array:
    result: Array = (1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))).astype(np.float32)
    return result


@dataclass(frozen=True)
class Prediction:
    """Per-label probabilities of one segment and the labels over their thresholds."""

    probabilities: dict[str, float]
    labels: tuple[str, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(CATEGORY_OF[label] for label in self.labels))

    def confidence(self, label: str) -> float:
        return self.probabilities.get(label, 0.0)


def stack_inputs(p_tfidf: Array, p_emb: Array, prev_next: Callable[[Array], tuple[Array, Array]] = neighbours) -> Array:
    """Level-2 input: both views' probabilities for the segment, then each view's for the previous and
    the next segment (policies discuss one practice over several paragraphs)."""
    t_prev, t_next = prev_next(p_tfidf)
    e_prev, e_next = prev_next(p_emb)
    return np.concatenate([p_tfidf, p_emb, t_prev, t_next, e_prev, e_next], axis=1).astype(np.float32)


class SegmentClassifier:
    """The trained head; `classify` needs the MiniLM encoder for the embedding view."""

    def __init__(self, path: Path = DEFAULT_MODEL) -> None:
        with np.load(path, allow_pickle=False) as data:
            self.labels = tuple(str(x) for x in data["labels"])
            self.layers = tuple(int(x) for x in data["emb_layers"])
            self.idf = data["idf"].astype(np.float32)
            self.w_tfidf = data["w_tfidf"].astype(np.float32)
            self.b_tfidf = data["b_tfidf"].astype(np.float32)
            self.mean = data["emb_mean"].astype(np.float32)
            self.scale = data["emb_scale"].astype(np.float32)
            self.w_emb = data["w_emb"].astype(np.float32)
            self.b_emb = data["b_emb"].astype(np.float32)
            self.stack_mean = data["stack_mean"].astype(np.float32)
            self.stack_scale = data["stack_scale"].astype(np.float32)
            self.w_stack = data["w_stack"].astype(np.float32)
            self.b_stack = data["b_stack"].astype(np.float32)
            self.thresholds = data["thresholds"].astype(np.float32)
        if self.labels != LABELS:
            raise ValueError(f"{path.name} was trained for other labels: retrain with scripts/train_compiler.py")
        if self.w_emb.shape[0] != 2 * len(self.layers) * DIMENSION:
            raise ValueError(f"{path.name} does not match its embedding layers: retrain with scripts/train_compiler.py")

    def views(self, texts: Sequence[str], features: Array) -> tuple[Array, Array]:
        """Level-1 probabilities (balanced logistic regressions): hashed n-grams of the texts, and the embedding features."""
        indices, values = tfidf_rows(texts, self.idf)
        p_tfidf = _sigmoid(sparse_dot(indices, values, self.w_tfidf) + self.b_tfidf)
        p_emb = _sigmoid((((features - self.mean) / self.scale) @ self.w_emb + self.b_emb).astype(np.float32))
        return p_tfidf, p_emb

    def stacked(self, p_tfidf: Array, p_emb: Array) -> Array:
        """Level 2: each label from both views of the segment and of its neighbours (standardised inputs)."""
        z = (stack_inputs(p_tfidf, p_emb) - self.stack_mean) / self.stack_scale
        return _sigmoid(z @ self.w_stack + self.b_stack)

    def _predictions(self, probs: Array) -> list[Prediction]:
        out = []
        for row in probs:
            chosen = tuple(label for label, p, t in zip(self.labels, row, self.thresholds, strict=True) if p >= t)
            out.append(Prediction({label: round(float(p), 3) for label, p in zip(self.labels, row, strict=True)}, chosen))
        return out

    def classify(
        self, model: MiniLM, texts: Sequence[str], bodies: Sequence[str] | None = None
    ) -> list[tuple[Prediction, list[tuple[str, Prediction]]]]:
        """Each segment's prediction (segments in document order) and, for each of its sentences, a
        prediction that averages the sentence's own view-blend with its segment's stacked probability.

        `texts` feed the n-gram view (a segment's heading plus its text); `bodies`, when given, are
        split into the sentences that are embedded and returned (so headings are no sentences)."""
        if not texts:
            return []
        pieces: list[list[str]] = [sentences(t) or [t] for t in (bodies if bodies is not None else texts)]
        flat = [s for group in pieces for s in group]
        parts = sentence_features(model, flat, self.layers)
        sizes = [len(p) for p in pieces]
        ends = np.cumsum(sizes).tolist()
        spans = list(zip([0, *ends[:-1]], ends, strict=True))
        segment_probs = self.stacked(*self.views(list(texts), pool_segments(parts, sizes)))
        p_tfidf, p_emb = self.views(flat, np.concatenate([parts, parts], axis=1))
        sentence_blend = (p_tfidf + p_emb) / 2
        out = []
        for row, (group, (lo, hi)) in enumerate(zip(pieces, spans, strict=True)):
            mixed = 0.5 * sentence_blend[lo:hi] + 0.5 * segment_probs[row]
            out.append(
                (self._predictions(segment_probs[row : row + 1])[0], list(zip(group, self._predictions(mixed), strict=True)))
            )
        return out
