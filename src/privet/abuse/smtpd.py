"""An SMTP listener for abuse@: the mail server forwards complaints here (`privet abuse smtpd`).

It answers 250 for every message it recorded, refused ones included (a sender should not retry
hostile or malformed mail), and 451 only when the store failed, so the forwarding server keeps
the message and retries: nothing is lost. Messages over the size limit (or with a line longer
than RFC 5321 allows) are cut off by aiosmtpd with 552 (or 500) before they fill memory; that
refusal is recorded too, with its size unknown and no bytes kept.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from privet.abuse.intake import record_oversized
from privet.abuse.service import AbuseContext

log = logging.getLogger("privet.abuse.smtpd")


class AbuseHandler:
    def __init__(self, ctx: AbuseContext) -> None:
        self.ctx = ctx

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or b""
        try:
            results = await asyncio.get_running_loop().run_in_executor(None, self.ctx.ingest, [(raw, "smtp")], "smtp")
        except Exception:
            log.exception("abuse intake failed; asking the sender to retry")
            return "451 4.3.0 Temporary failure storing the notice; please retry"
        result = results[0]
        return f"250 2.0.0 Notice {result.notice_id} {result.status}"

    def oversized(self, peer: Any, reply: str) -> None:
        """Record a message aiosmtpd cut off (too much data, or a line longer than RFC 5321 allows)."""
        why = f"the {self.ctx.settings.max_message_bytes}-byte limit" if reply.startswith("552") else "the RFC 5321 line length"
        try:
            with self.ctx.desk("smtp") as desk:
                record_oversized(
                    desk, size=-1, digest=f"smtp-refused-{uuid.uuid4().hex}", channel="smtp",
                    reason=f"a message from {peer} exceeded {why} and was refused ({reply[:3]})",
                )  # fmt: skip
        except Exception:
            log.exception("could not record an oversized message")


class _RecordingSMTP(SMTP):
    """aiosmtpd's server, noting the 552 it sends for oversized data (there is no handler hook for it)."""

    async def push(self, status: Any) -> None:
        text = status.decode() if isinstance(status, bytes) else str(status)
        if text.startswith(("552", "500 Line too long")) and isinstance(self.event_handler, AbuseHandler):
            peer = self.session.peer if self.session is not None else None
            await asyncio.get_running_loop().run_in_executor(None, self.event_handler.oversized, peer, text)
        await super().push(status)


class AbuseController(Controller):
    def __init__(self, ctx: AbuseContext, host: str, port: int) -> None:
        super().__init__(
            AbuseHandler(ctx), hostname=host, port=port, data_size_limit=ctx.settings.max_message_bytes, ready_timeout=10
        )

    def factory(self) -> SMTP:
        return _RecordingSMTP(self.handler, **self.SMTP_kwargs)
