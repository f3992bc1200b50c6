"""Render a pack back into the notice a person reads.

The notice is generated, never hand-written, so what people are told and what privet
enforces cannot drift apart. Rendering first builds a plain view (`Notice`) with names
resolved from the taxonomy, then fills a Jinja2 template per format.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from privet.policy.model import Basis, Conditions, PolicyPack, Rule
from privet.policy.taxonomy import Term, builtin_categories, builtin_purposes, builtin_subjects

FORMATS = ("md", "html")

CHANNEL_WORDS = {
    "web_form": "a web form",
    "privacy_center": "the privacy center",
    "account_portal": "your online account",
    "phone": "calling us",
    "ivr": "our automated phone line",
    "mail": "writing to us",
    "email": "emailing us",
    "sms_keyword": "replying STOP to a text",
    "email_unsubscribe_link": "the unsubscribe link in any marketing email",
    "gpc": "a Global Privacy Control signal from your browser",
    "written_request": "a written request",
    "in_person": "visiting us in person",
    "cookie_banner": "the cookie settings on our site",
    "browser_settings": "your browser's settings",
    "device_settings": "your device's settings",
    "industry_opt_out": "the advertising industry's opt-out pages",
}

BASIS_WORDS = {
    Basis.REQUIRED: "needed for this purpose; no separate consent is asked",
    Basis.UNLESS_OPTED_OUT: "unless you opt out",
    Basis.ONLY_WITH_OPT_IN: "only if you opt in",
    Basis.NEVER: "never",
}


@dataclass
class UseLine:
    purpose: str
    categories: list[str]
    recipient: str
    basis: str
    choice: str | None
    conditions: str
    description: str


@dataclass
class Notice:
    """Everything a notice says, with keys turned into names."""

    pack: PolicyPack
    uses: list[UseLine] = field(default_factory=list)
    prohibitions: list[UseLine] = field(default_factory=list)
    sharing: dict[str, list[UseLine]] = field(default_factory=dict)


def _names() -> dict[str, Term]:
    return {**builtin_categories(), **builtin_purposes(), **builtin_subjects()}


def name_of(key: str, pack: PolicyPack) -> str:
    """Human name of a taxonomy key, preferring the pack's own declaration."""
    for term in (*pack.extensions.categories, *pack.extensions.purposes, *pack.extensions.subjects):
        if term.key == key:
            return term.name
    builtin = _names().get(key)
    return builtin.name if builtin else key


def describe_conditions(c: Conditions) -> str:
    """`Conditions` in words: 'for residents of CA, NV; aged 16 or over'."""
    parts = []
    if c.jurisdictions:
        parts.append("for residents of " + ", ".join(c.jurisdictions))
    if c.not_jurisdictions:
        parts.append("except residents of " + ", ".join(c.not_jurisdictions))
    if c.min_age is not None:
        parts.append(f"aged {c.min_age} or over")
    if c.max_age is not None:
        parts.append(f"aged {c.max_age} or under")
    if c.account_types:
        parts.append("on " + " or ".join(a.value for a in c.account_types) + " accounts")
    if c.account_statuses:
        parts.append("while the account is " + " or ".join(s.value for s in c.account_statuses))
    if c.service_lines:
        parts.append("for " + ", ".join(s.value for s in c.service_lines) + " service")
    if c.subjects:
        parts.append("for " + ", ".join(c.subjects))
    return "; ".join(parts)


def _line(rule: Rule, pack: PolicyPack) -> UseLine:
    recipient = pack.recipient(rule.recipient)
    choice = pack.choice(rule.choice) if rule.choice else None
    return UseLine(
        purpose=name_of(rule.purpose, pack),
        categories=[name_of(c, pack) for c in rule.categories],
        recipient=recipient.name if recipient else rule.recipient,
        basis=BASIS_WORDS[rule.basis],
        choice=choice.name if choice else None,
        conditions=describe_conditions(rule.when),
        description=rule.description,
    )


def build_notice(pack: PolicyPack) -> Notice:
    notice = Notice(pack)
    sharing: dict[str, list[UseLine]] = defaultdict(list)
    for rule in pack.rules:
        line = _line(rule, pack)
        if rule.basis is Basis.NEVER:
            notice.prohibitions.append(line)
            continue
        recipient = pack.recipient(rule.recipient)
        if recipient and recipient.kind.value == "first_party":
            notice.uses.append(line)
        else:
            sharing[line.recipient].append(line)
    notice.sharing = dict(sharing)
    return notice


@cache
def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("privet.policy", "templates"),
        autoescape=select_autoescape(enabled_extensions=(), default_for_string=autoescape, default=autoescape),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["channel_words"] = lambda ch: CHANNEL_WORDS.get(str(ch), str(ch))
    env.globals["name_of"] = name_of
    env.globals["describe_conditions"] = describe_conditions
    return env


def render(pack: PolicyPack, fmt: str = "md") -> str:
    """The readable notice for `pack` in `fmt` ('md' or 'html').

    HTML is the Markdown notice converted with raw HTML disabled, so text in a pack can never
    inject markup into the page, and the two formats cannot say different things.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    markdown = _environment(False).get_template("notice.md.j2").render(n=build_notice(pack), p=pack)
    markdown = re.sub(r"(?m)^(#{1,6} .*)\n", r"\n\1\n\n", markdown)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).lstrip()
    if fmt == "md":
        return markdown
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return _environment(True).get_template("notice.html.j2").render(p=pack, body=Markup(body))
