"""Email delivery over SMTP with smtplib: build the message, send it, classify what went wrong.

The message is built from the outbox row alone (Date is the row's creation time, Message-ID is
derived from its id), so every re-send of a message is the same message, byte for byte, and a
receiver that sees it twice can tell.

Failures are classified for the retry policy. Connection, greeting, STARTTLS and login failures,
and every 4xx reply, are retryable: they say nothing about the message. A 5xx reply to MAIL,
RCPT or DATA is permanent: the server has said this message will never be accepted (unknown
mailbox, message too large, policy rejection), so trying again only repeats the refusal.
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from privet.outbox.queue import ClaimedMessage
from privet.outbox.transport import DeliveryError

DEFAULT_SENDER = "privet@localhost"
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to relay mail; read from flags and PRIVET_SMTP_* variables, never the database."""

    host: str = "localhost"
    port: int = 25
    sender: str = DEFAULT_SENDER
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.user and not self.starttls and not _is_loopback(self.host):
            raise ValueError("PRIVET_SMTP_USER is set but STARTTLS is off: the password would cross the network in clear")
        if not parseaddr(self.sender)[1]:
            raise ValueError(f"PRIVET_SMTP_FROM: {self.sender!r} is not an address")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, host: str | None = None, port: int | None = None) -> SmtpSettings:
        """Settings from `env` (default os.environ); explicit `host`/`port` (command-line flags) win."""
        env = os.environ if env is None else env
        return cls(
            host=host or env.get("PRIVET_SMTP_HOST") or "localhost",
            port=port or int(env.get("PRIVET_SMTP_PORT") or 25),
            sender=env.get("PRIVET_SMTP_FROM") or DEFAULT_SENDER,
            user=env.get("PRIVET_SMTP_USER") or None,
            password=env.get("PRIVET_SMTP_PASSWORD") or None,
            starttls=(env.get("PRIVET_SMTP_STARTTLS") or "").lower() in _TRUE,
            timeout=float(env.get("PRIVET_SMTP_TIMEOUT") or 30),
        )

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_message(message: ClaimedMessage, *, sender: str, to: str | None = None) -> EmailMessage:
    """The RFC 5322 message for an outbox row: text/plain UTF-8, stable Message-ID and Date.

    Raises DeliveryError (permanent) if the row cannot be made into a valid message.
    """
    try:
        email = EmailMessage()
        email["From"] = sender
        email["To"] = to or message.recipient
        email["Subject"] = message.subject
        email["Date"] = format_datetime(message.created_at)
        email["Message-ID"] = message.message_id
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: autoresponders must not reply
        for name, value in message.headers.items():
            email[name] = value
        plain = message.body.isascii() and all(len(line) <= 78 for line in message.body.splitlines())
        email.set_content(message.body, subtype="plain", charset="utf-8", cte="7bit" if plain else "quoted-printable")
    except (ValueError, TypeError, IndexError) as exc:
        raise DeliveryError(f"cannot build message: {exc}", retryable=False) from exc
    return email


def classify(exc: BaseException) -> DeliveryError:
    """Turn an smtplib or socket failure during a mail transaction into a DeliveryError."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (450, b"recipient refused"))
        return _coded("RCPT", code, text)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _coded("MAIL", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPDataError):
        return _coded("DATA", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"server cannot carry this message: {exc}", retryable=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _coded("SMTP", exc.smtp_code, exc.smtp_error)
    return DeliveryError(f"connection: {type(exc).__name__}: {exc}", retryable=True)


def _coded(stage: str, code: int, text: bytes | str) -> DeliveryError:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return DeliveryError(f"{stage} {code} {detail}".strip(), retryable=not 500 <= code < 600)


class SmtpTransport:
    """Sends email through one relay, keeping the connection open between messages of a batch."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def send(self, message: ClaimedMessage) -> None:
        self.send_to(message, message.recipient)

    def send_to(self, message: ClaimedMessage, address: str) -> None:
        """Send `message` to `address`; return only after the server's 250 to DATA."""
        email = build_message(message, sender=self.settings.sender, to=address)
        reused = self._conn is not None
        try:
            self._transaction(email, address)
        except smtplib.SMTPServerDisconnected:
            self.close()
            if not reused:
                raise DeliveryError("connection: server disconnected", retryable=True) from None
            # The relay dropped an idle connection between messages; one fresh try is not a retry.
            try:
                self._transaction(email, address)
            except (smtplib.SMTPException, OSError) as exc:
                self.close()
                raise classify(exc) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise classify(exc) from exc

    def _transaction(self, email: EmailMessage, address: str) -> None:
        conn = self._connect()
        refused = conn.send_message(email, from_addr=self.settings.envelope_sender, to_addrs=[address])
        if refused:  # only possible with several recipients; kept for safety
            raise smtplib.SMTPRecipientsRefused(refused)

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        s = self.settings
        try:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                conn.ehlo()
                if s.starttls:
                    conn.starttls(context=ssl.create_default_context())
                    conn.ehlo()
                if s.user:
                    conn.login(s.user, s.password or "")
            except BaseException:
                conn.close()
                raise
        except (smtplib.SMTPException, OSError) as exc:
            # Session set-up failures are about the relay or our settings, not the message.
            raise DeliveryError(f"connect {s.host}:{s.port}: {type(exc).__name__}: {exc}", retryable=True) from exc
        self._conn = conn
        return conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()
