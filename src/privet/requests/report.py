"""The access package as a page a person can read: what we hold, from where, why, and to whom.

The JSON package is for machines and for moving data elsewhere; this is the same content,
rendered with autoescaping (values come from the provider's systems and are never trusted as
markup) and without anything the JSON leaves out.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("privet.requests", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(package: dict[str, Any]) -> str:
    return _environment().get_template("access_report.html.j2").render(p=package)
