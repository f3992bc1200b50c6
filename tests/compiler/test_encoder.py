"""The numpy MiniLM reproduces the reference model, loaded offline from its installed package."""

from __future__ import annotations

import numpy as np

from privet.policy.draft.features import BUCKETS, idf_from_df, ngrams, tfidf_rows
from privet.policy.draft.pipeline import Models
from privet.policy.draft.wordpiece import WordPiece, basic_tokens


def test_published_similarities(models: Models) -> None:
    """The cosine similarities the sentence-transformers quick-start publishes for all-MiniLM-L6-v2."""
    emb = models.encoder.embed(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    sims = emb @ emb.T
    assert np.allclose(np.diag(sims), 1.0, atol=1e-5)
    assert abs(sims[0, 1] - 0.6660) < 5e-4
    assert abs(sims[0, 2] - 0.1046) < 5e-4
    assert abs(sims[1, 2] - 0.1411) < 5e-4


def test_wordpiece_rules() -> None:
    vocab = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "we",
        "do",
        "not",
        "sell",
        "data",
        "##s",
        "cafe",
        "'",
        "t",
        "don",
        ",",
        "unaffiliated",
        "un",
        "##affiliated",
    ]
    wp = WordPiece(vocab)
    assert basic_tokens("We DON'T sell, café data") == ["we", "don", "'", "t", "sell", ",", "cafe", "data"]
    ids = wp.encode("We don't sell datas xyz")
    assert [vocab[i] for i in ids] == ["[CLS]", "we", "don", "'", "t", "sell", "data", "##s", "[UNK]", "[SEP]"]
    assert len(wp.encode("data " * 1000, max_length=16)) == 16


def test_hashed_tfidf_rows_are_unit_length() -> None:
    texts = ["we do not sell personal information", "we share information with vendors"]
    df = np.zeros(BUCKETS, dtype=np.float32)
    for text in texts * 2:
        for bucket in ngrams(text):
            df[bucket] += 1
    indices, values = tfidf_rows(texts, idf_from_df(df, 4))
    for idx, val in zip(indices, values, strict=True):
        assert len(idx) == len(val) > 0
        assert abs(float(np.linalg.norm(val)) - 1.0) < 1e-5
