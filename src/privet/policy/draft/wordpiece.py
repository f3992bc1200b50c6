"""BERT's uncased WordPiece tokenizer, in plain Python.

The MiniLM model ships its `vocab.txt`; tokenizing it ourselves keeps the drafting path free of
a compiled tokenizer dependency. The steps follow BERT's BasicTokenizer (clean, split CJK,
lowercase, strip accents, split punctuation) and then greedy longest-match WordPiece, so ids
match the reference tokenizer; `scripts/compiler_verify_encoder.py` checks that on real text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

MAX_WORD_CHARS = 100


def _is_whitespace(char: str) -> bool:
    if char in " \t\n\r":
        return True
    return unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char).startswith("C")


def _is_punctuation(char: str) -> bool:
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def basic_tokens(text: str) -> list[str]:
    """Words and punctuation marks, lowercased and without accents."""
    cleaned: list[str] = []
    for char in text:
        cp = ord(char)
        if cp == 0 or cp == 0xFFFD or _is_control(char):
            continue
        if _is_whitespace(char):
            cleaned.append(" ")
        elif _is_cjk(cp):
            cleaned.extend((" ", char, " "))
        else:
            cleaned.append(char)
    out: list[str] = []
    for word in "".join(cleaned).split():
        word = unicodedata.normalize("NFD", word.lower())
        word = "".join(c for c in word if unicodedata.category(c) != "Mn")
        current: list[str] = []
        for char in word:
            if _is_punctuation(char):
                if current:
                    out.append("".join(current))
                    current = []
                out.append(char)
            else:
                current.append(char)
        if current:
            out.append("".join(current))
    return out


class WordPiece:
    """Maps text to vocabulary ids the way BERT's uncased tokenizer does."""

    def __init__(self, vocab: Iterable[str]) -> None:
        self.vocab: dict[str, int] = {token: i for i, token in enumerate(vocab)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]
        self.pad = self.vocab["[PAD]"]
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        return cls(path.read_text(encoding="utf-8").splitlines())

    def _word_ids(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        ids: list[int] = []
        if len(word) > MAX_WORD_CHARS:
            ids = [self.unk]
        else:
            start = 0
            while start < len(word):
                end = len(word)
                found: int | None = None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self.vocab.get(piece)
                    if found is not None:
                        break
                    end -= 1
                if found is None:
                    ids = [self.unk]
                    break
                ids.append(found)
                start = end
        if len(self._cache) < 200_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str, max_length: int = 256) -> list[int]:
        """[CLS] pieces [SEP], truncated to `max_length` ids like sentence-transformers does."""
        ids: list[int] = []
        budget = max_length - 2
        for word in basic_tokens(text):
            ids.extend(self._word_ids(word))
            if len(ids) >= budget:
                break
        return [self.cls, *ids[:budget], self.sep]
