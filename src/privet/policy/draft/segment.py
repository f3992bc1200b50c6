"""Turn a published policy (plain text, Markdown or HTML) into ordered segments and sentences.

The classifier was trained on OPP-115 paragraphs, and a reviewer needs to find each piece of
evidence in the source, so a segment is one paragraph or list item, carrying the heading trail
above it and the line it starts on. Input that cannot be a policy (empty, binary, an unknown
extension, a page whose only content is script) raises `DraftInputError` with a plain message;
script and style content never reaches the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

SUPPORTED = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
MAX_BYTES = 5 * 1024 * 1024


class DraftInputError(ValueError):
    """The input file cannot be drafted from; the message says why in plain words."""


@dataclass(frozen=True)
class Segment:
    """One paragraph, list item or heading of the source, in document order."""

    index: int
    kind: str  # heading, paragraph, item
    text: str
    line: int
    headings: tuple[str, ...] = ()

    @property
    def context(self) -> str:
        """The text with its nearest heading, which often names the practice ("Sharing")."""
        return f"{self.headings[-1]}. {self.text}" if self.headings else self.text


@dataclass
class Document:
    """A policy as segments, plus what was dropped on the way in."""

    path: str
    fmt: str
    segments: list[Segment]
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        heads = [s.text for s in self.segments if s.kind == "heading"]
        return heads[0] if heads else Path(self.path).stem


def read_policy(path: Path) -> Document:
    """Read, validate and segment a policy file, or raise DraftInputError."""
    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        allowed = ", ".join(sorted(SUPPORTED))
        raise DraftInputError(f"{path.name}: unsupported file type '{path.suffix or '(none)'}'; use one of {allowed}")
    if not path.exists():
        raise DraftInputError(f"{path}: file not found")
    if not path.is_file():
        raise DraftInputError(f"{path}: not a regular file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise DraftInputError(f"{path.name}: {size} bytes is more than a policy ({MAX_BYTES} bytes at most)")
    raw = path.read_bytes()
    text = decode(raw, path.name)
    notes: list[str] = []
    if fmt == "html":
        blocks, dropped = html_blocks(text)
        if dropped:
            notes.append(f"ignored {dropped} script/style block(s) in the HTML")
        if not any(b[1].strip() for b in blocks):
            why = " (the page's content seems to be produced by scripts, which are never run)" if dropped else ""
            raise DraftInputError(f"{path.name}: the HTML has no readable text{why}")
    else:
        blocks = text_blocks(text, markdown=True)  # exported .txt policies often carry Markdown too
    segments = _with_headings(blocks)
    if not any(s.kind != "heading" for s in segments):
        raise DraftInputError(f"{path.name}: no paragraphs of text to draft from")
    return Document(str(path), fmt, segments, notes)


def decode(raw: bytes, name: str) -> str:
    """Text of a file, refusing binaries: NUL bytes, undecodable bytes or mostly control characters."""
    if not raw.strip():
        raise DraftInputError(f"{name}: the file is empty")
    if b"\x00" in raw[:65536]:
        raise DraftInputError(f"{name}: this is a binary file, not a text, Markdown or HTML policy")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise DraftInputError(f"{name}: not readable as UTF-8 or Windows-1252 text") from exc
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        raise DraftInputError(f"{name}: this looks like a binary file (many control characters), not a policy")
    if not text.strip():
        raise DraftInputError(f"{name}: the file is empty")
    return text


# ---------------------------------------------------------------------------------------------
# plain text and Markdown

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|`)")
_BULLET = re.compile(r"^\s*(?:[-*+•·▪◦●]|\d{1,2}[.)]|\(?[a-zA-Z][.)]|\([ivx]{1,4}\)|[ivx]{1,4}[.)])\s+")
_NUMBERED_HEAD = re.compile(r"^\s*(?:[IVX]{1,5}|[A-Z]|\d{1,2}(?:\.\d{1,2})*)[.)]?\s+")
_MD_HEAD = re.compile(r"^\s*(?:(?:\d{1,2}[.)]|[-*+])\s+)?(#{1,6})\s+(.*?)\s*#*\s*$")
_NAV = re.compile(r"^(?:«\s*)?back to top\)?$|^\(back to top\)$|^table of contents$|^skip to (?:main )?content$", re.I)


def _clean_inline(line: str, markdown: bool) -> str:
    if markdown:
        line = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPH.sub("", line)
        line = re.sub(r"^\s*>\s?", "", line)
    line = unescape(line)
    return re.sub(r"\s+", " ", line).strip()


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    if not words or len(line) > 110 or len(words) > 14:
        return False
    numbered = _NUMBERED_HEAD.match(line)
    body = line[numbered.end() :] if numbered else line
    if not body or line.endswith((".", ",", ";", ":")):
        return False
    if re.search(r"\d{3}|@|https?:|www\.", body) or re.search(r":\s*\S", body):
        return False  # addresses, phone numbers, 'Label: value' lines
    letters = [c for c in line if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        return True
    if line.endswith("?"):
        return len(words) <= 14
    if not body[0].isupper():
        return False
    return not re.search(r"[.!]\s", body)


def text_blocks(text: str, markdown: bool) -> list[tuple[str, str, int]]:
    """(kind, text, line) for each heading, paragraph and list item of plain text or Markdown."""
    blocks: list[tuple[str, str, int]] = []
    para: list[str] = []
    para_line = 0

    def flush() -> None:
        nonlocal para
        if para:
            joined = " ".join(para).strip()
            if joined:
                blocks.append(("paragraph", joined, para_line))
            para = []

    for number, raw_line in enumerate(text.splitlines(), start=1):
        if not raw_line.strip():
            flush()
            continue
        if markdown:
            head = _MD_HEAD.match(raw_line)
            if head:
                flush()
                title = _clean_inline(head.group(2), markdown)
                if title:
                    blocks.append(("heading", title, number))
                continue
            if re.match(r"^\s*(?:\|?\s*:?-{3,}|[-*_]{3,}\s*$)", raw_line):
                flush()
                continue
        line = _clean_inline(raw_line, markdown)
        if not line or _NAV.match(line):
            flush()
            continue
        bullet = _BULLET.match(line)
        if bullet and len(line) > 40 and not _looks_like_heading(line):
            flush()
            blocks.append(("item", line[bullet.end() :].strip(), number))
            continue
        if _looks_like_heading(line) and not para:
            blocks.append(("heading", line, number))
            continue
        if _looks_like_heading(line):
            flush()
            blocks.append(("heading", line, number))
            continue
        if not para:
            para_line = number
        elif para[-1].rstrip().endswith((".", "!", "?", ":", '"', "”")) and line[0].isupper():
            # one paragraph per line (as many plain-text exports are), unless the line was hard-wrapped
            flush()
            para_line = number
        para.append(line)
    flush()
    return blocks


# ---------------------------------------------------------------------------------------------
# HTML

_SKIP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas", "button", "select"}
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "table", "tr", "td", "th", "ul", "ol",
    "dl", "dd", "dt", "blockquote", "pre", "form", "br", "hr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "body", "html",
}  # fmt: skip
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


class _Blocks(HTMLParser):
    """Collects visible text as blocks, dropping script, style and other non-content elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str, int]] = []
        self.skip_depth = 0
        self.dropped = 0
        self.buffer: list[str] = []
        self.kind = "paragraph"
        self.start_line = 1

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.buffer)).strip()
        if text and not _NAV.match(text):
            self.blocks.append((self.kind, text, self.start_line))
        self.buffer = []
        self.kind = "paragraph"
        self.start_line = self.getpos()[0]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip_depth += 1
            if tag in ("script", "style"):
                self.dropped += 1
            return
        if self.skip_depth:
            return
        if tag in _BLOCK:
            self._flush()
            if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                self.kind = "heading"
            elif tag == "li":
                self.kind = "item"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skip_depth and tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if not self.skip_depth and tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            if not "".join(self.buffer).strip():
                self.start_line = self.getpos()[0]
            self.buffer.append(data)


def html_blocks(text: str) -> tuple[list[tuple[str, str, int]], int]:
    """(kind, text, line) blocks of visible HTML text and how many script/style blocks were dropped."""
    parser = _Blocks()
    parser.feed(text)
    parser.close()
    parser._flush()
    blocks = []
    for kind, block, line in parser.blocks:
        if kind == "paragraph" and _looks_like_heading(block) and len(block.split()) <= 10:
            kind = "heading"
        blocks.append((kind, block, line))
    return blocks, parser.dropped


# ---------------------------------------------------------------------------------------------
# headings and sentences


def _heading_level(text: str) -> int:
    """Rough nesting of a heading from its numbering (I. > A. > 1. > a.), else 1."""
    if re.match(r"^[IVX]{1,5}[.)]?\s", text):
        return 1
    if re.match(r"^[A-Z][.)]\s", text):
        return 2
    if re.match(r"^\d{1,2}\.\d", text):
        return 3
    if re.match(r"^\d{1,2}[.)]?\s", text):
        return 3
    if re.match(r"^[a-z][.)]\s|^\([a-z]\)\s", text):
        return 4
    return 1


def _with_headings(blocks: list[tuple[str, str, int]]) -> list[Segment]:
    segments: list[Segment] = []
    trail: list[tuple[int, str]] = []
    for kind, text, line in blocks:
        if kind == "heading":
            level = _heading_level(text)
            trail = [t for t in trail if t[0] < level] + [(level, text)]
            segments.append(Segment(len(segments), kind, text, line, tuple(t[1] for t in trail[:-1])))
        else:
            segments.append(Segment(len(segments), kind, text, line, tuple(t[1] for t in trail)))
    return segments


_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|inc|co|corp|ltd|llc|no|nos|mr|mrs|ms|dr|st|vs|approx|u\.s|u\.k|sec|seq|et al|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.|\b[A-Z]\.)$",
    re.I,
)
_SPLIT = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """Sentences of a paragraph; abbreviations such as 'e.g.' and 'U.S.' do not end one."""
    out: list[str] = []
    start = 0
    for match in _SPLIT.finditer(text):
        head = text[start : match.start()].rstrip('"”’)]')
        if _ABBREV.search(head):
            continue
        piece = text[start : match.start()].strip()
        if piece:
            out.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
