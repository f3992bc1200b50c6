"""Hashed TF-IDF features, identical at training and at drafting time.

The classifier combines MiniLM embeddings with word n-grams. Hashing the n-grams into a fixed
number of buckets means the shipped model holds only numbers (an IDF per bucket and weights),
never a vocabulary of training-corpus text, and the same code builds the features in
`scripts/train_compiler.py` and in the drafter, so they cannot drift apart.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import numpy.typing as npt

BUCKETS = 1 << 17
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def ngrams(text: str) -> Counter[int]:
    """Bucket counts of the lowercased unigrams and bigrams of `text`."""
    words = _TOKEN.findall(text.lower())
    grams = words + [f"{a} {b}" for a, b in pairwise(words)]
    return Counter(zlib.crc32(g.encode("utf-8")) % BUCKETS for g in grams)


def document_frequencies(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """How many texts contain each bucket (training only)."""
    df = np.zeros(BUCKETS, dtype=np.float32)
    for text in texts:
        for bucket in ngrams(text):
            df[bucket] += 1
    return df


def idf_from_df(df: npt.NDArray[np.float32], n_docs: int, min_df: int = 2) -> npt.NDArray[np.float32]:
    """Smoothed IDF; buckets seen in fewer than `min_df` texts get 0 so rare n-grams carry no weight."""
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    idf[df < min_df] = 0.0
    out: npt.NDArray[np.float32] = idf.astype(np.float32)
    return out


def tfidf_rows(
    texts: Sequence[str], idf: npt.NDArray[np.float32]
) -> tuple[list[npt.NDArray[np.int64]], list[npt.NDArray[np.float32]]]:
    """Sparse L2-normalised sublinear TF-IDF rows as (bucket indices, values) per text."""
    indices: list[npt.NDArray[np.int64]] = []
    values: list[npt.NDArray[np.float32]] = []
    for text in texts:
        counts = ngrams(text)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        val = (1.0 + np.log(tf)) * idf[idx] if len(idx) else tf
        keep = val > 0
        idx, val = idx[keep], val[keep].astype(np.float32)
        norm = float(np.linalg.norm(val))
        indices.append(idx)
        values.append(val / norm if norm > 0 else val)
    return indices, values


def sparse_dot(
    indices: list[npt.NDArray[np.int64]], values: list[npt.NDArray[np.float32]], weights: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Rows times a (BUCKETS, labels) weight matrix without building the sparse matrix."""
    out = np.zeros((len(indices), weights.shape[1]), dtype=np.float32)
    for row, (idx, val) in enumerate(zip(indices, values, strict=True)):
        if len(idx):
            out[row] = val @ weights[idx]
    return out
