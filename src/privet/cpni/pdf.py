"""A small PDF writer for text documents: headings, paragraphs, bullet lines, page breaks.

The certification is plain text an officer signs; a dependency that lays out arbitrary HTML
would be far more code than the document needs. This writes PDF 1.4 with the standard
Helvetica fonts (WinAnsi encoding, no embedding), wraps lines by the fonts' real glyph widths,
and computes the cross-reference table from the bytes it wrote, so any reader opens it.
"""

from __future__ import annotations

from collections.abc import Sequence

PAGE_W, PAGE_H, MARGIN = 612, 792, 72  # US Letter, one-inch margins
# Helvetica advance widths (per 1000 em) for ASCII 32..126, from the standard AFM.
_W = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 278 278 584 584 584 556 "
    "1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 "
    "333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
WIDTHS = [int(w) for w in _W.split()]
STYLES = {"h1": ("F2", 16, 24), "h2": ("F2", 12, 20), "p": ("F1", 10.5, 14), "li": ("F1", 10.5, 14)}


def _width(text: str, size: float) -> float:
    return sum(WIDTHS[ord(c) - 32] if 32 <= ord(c) <= 126 else 556 for c in text) * size / 1000


def _wrap(text: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and _width(trial, size) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return [*lines, current] if current else lines or [""]


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def render(blocks: Sequence[tuple[str, str]], title: str) -> bytes:
    """`blocks` are (style, text) with style h1, h2, p, li or page (a page break)."""
    pages: list[list[bytes]] = [[]]
    y: float = PAGE_H - MARGIN
    for style, text in blocks:
        if style == "page":
            pages.append([])
            y = PAGE_H - MARGIN
            continue
        font, size, leading = STYLES[style]
        indent = 14 if style == "li" else 0
        lines = _wrap(("\u2022 " if style == "li" else "") + text, size, PAGE_W - 2 * MARGIN - indent)
        y -= leading * 0.4 if style.startswith("h") else 0
        for line in lines:
            if y - leading < MARGIN:
                pages.append([])
                y = PAGE_H - MARGIN
            y -= leading
            pages[-1].append(b"BT /%s %.1f Tf %.1f %.1f Td (%s) Tj ET" % (font.encode(), size, MARGIN + indent, y, _escape(line)))
        y -= leading * 0.3
    return _assemble(pages, title)


def _assemble(pages: list[list[bytes]], title: str) -> bytes:
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # pages, filled below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title (%s) /Producer (privet) >>" % _escape(title),
    ]
    kids = []
    for content in pages:
        stream = b"\n".join(content)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
            % (PAGE_W, PAGE_H, len(objects))
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
