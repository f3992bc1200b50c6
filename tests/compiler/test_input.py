"""Bad input gets one clear sentence and exit code 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from privet.policy.draft.cli import draft
from privet.policy.draft.segment import DraftInputError, read_policy

runner = CliRunner()
app = typer.Typer()
app.command()(draft)


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n \t\n", "empty"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("policy.pdf", b"%PDF-1.7 not really", "unsupported file type"),
        ("policy", b"We do not sell your data.", "unsupported file type"),
        (
            "scripts.html",
            b"<html><head><script>document.write('We sell everything')</script></head><body><script>x()</script></body></html>",
            "no readable text",
        ),
    ],
)
def test_bad_input_is_refused_with_a_plain_message(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, output = run(str(path), "--out", str(tmp_path / "out"))
    assert code == 2
    assert message in output
    assert not (tmp_path / "out").exists(), "nothing half-written"


def test_missing_file(tmp_path: Path) -> None:
    code, output = run(str(tmp_path / "nope.txt"))
    assert code == 2
    assert "not found" in output


def test_out_must_be_a_folder(tmp_path: Path) -> None:
    policy = tmp_path / "p.txt"
    policy.write_text("We do not sell your personal information.")
    clash = tmp_path / "taken"
    clash.write_text("x")
    code, output = run(str(policy), "--out", str(clash))
    assert code == 2
    assert "not a folder" in output


def test_script_text_never_reaches_the_segments(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        "<html><head><style>p {color: red}</style><script>var t = 'We sell your data to anyone';</script></head>"
        "<body><h1>Privacy</h1><p>We do not sell your personal information.</p><noscript>Enable scripts</noscript></body></html>"
    )
    doc = read_policy(page)
    text = " ".join(s.text for s in doc.segments)
    assert "anyone" not in text and "color" not in text and "Enable scripts" not in text
    assert "We do not sell your personal information." in text
    assert any("script" in note for note in doc.notes)


def test_windows_1252_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("We don\x92t sell customer information \x96 ever.".encode("latin-1"))
    doc = read_policy(path)
    assert "sell customer information" in doc.segments[0].text


def test_headings_only_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.md"
    path.write_text("# Privacy Policy\n\n## Contents\n")
    with pytest.raises(DraftInputError, match="no paragraphs"):
        read_policy(path)
