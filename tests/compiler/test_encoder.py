"""The numpy MiniLM reproduces the reference model, loaded offline from its installed package."""

from __future__ import annotations

import numpy as np

from privet.policy.draft.classifier import layer_features
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


def test_layer_states_match_the_sentence_embedding(models: Models) -> None:
    """The multi-layer read-out used by the classifier comes from the same pass as `embed`: its last
    layer, normalised, is the sentence embedding, and every layer's vector is unit length in the features."""
    texts = ["We keep call records for eighteen months.", "Contact us at the address below."]
    states = models.encoder.embed_layers(texts, (1, 3, 6))
    assert states.shape == (2, 3, 384)
    last = states[:, -1] / np.linalg.norm(states[:, -1], axis=1, keepdims=True)
    assert np.allclose(last, models.encoder.embed(texts), atol=1e-5)
    features = layer_features(states)
    assert features.shape == (2, 3 * 384)
    assert np.allclose(np.linalg.norm(features.reshape(2, 3, 384), axis=2), 1.0, atol=1e-5)


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
