"""What every parser produces: one `ParsedNotice`, or `Refused` with the reason in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Refused(Exception):
    """Input privet will not process (hostile, oversized, not a notice); the reason is recorded."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:500]


@dataclass
class ParsedNotice:
    """A notice in privet's terms, whatever format it came in.

    `letter` is the human text (email body, ACNS TextNotice) in which a copyright notice's sworn
    statements and signature are looked for; `details` keeps format-specific facts for the desk.
    """

    format: str
    violation: str | None = None
    complainant: str | None = None
    complainant_email: str | None = None
    complainant_phone: str | None = None
    complainant_address: str | None = None
    reply_to: str | None = None
    sender_case_id: str | None = None
    message_id: str | None = None
    subject: str | None = None
    source_ip: str | None = None
    source_port: int | None = None
    source_number: str | None = None
    event_at: datetime | None = None
    time_assumed_utc: bool = False
    material_url: str | None = None
    work_title: str | None = None
    material: str | None = None
    letter: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    needs_review: bool = False
    review_reason: str | None = None
    retraction: bool = False
    dmca_elements: dict[str, bool] | None = None  # filled by `prepare` for copyright notices

    def flag(self, reason: str) -> None:
        """Send the notice to a person: the parser could not be sure of something."""
        self.needs_review = True
        self.review_reason = reason if self.review_reason is None else f"{self.review_reason}; {reason}"

    @property
    def sender_key(self) -> str | None:
        """Who the sender is for de-duplication: the complainant's email domain, else its name."""
        if self.complainant_email and "@" in self.complainant_email:
            return self.complainant_email.rpartition("@")[2].lower()
        return self.complainant.lower() if self.complainant else None

    @property
    def case_key(self) -> str | None:
        """The sender's own case id, qualified by sender: the same notice sent twice has the same key."""
        if not self.sender_case_id or not self.sender_key:
            return None
        suffix = "|retraction" if self.retraction else ""
        return f"{self.sender_key}|{self.sender_case_id}{suffix}"[:400]
