"""What the worker needs from a way of delivering messages, so SMS or any other channel is one module.

A transport either returns (the far end accepted the message: for SMTP, a 250 to DATA) or raises
`DeliveryError` saying whether trying again later could help. Anything else it raises is treated
as retryable by the worker: an unexpected bug should delay a message, not destroy it.
"""

from __future__ import annotations

from typing import Protocol

from privet.outbox.queue import ClaimedMessage


class DeliveryError(Exception):
    """A delivery attempt failed; `retryable` says whether a later attempt may succeed."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Transport(Protocol):
    """Delivers claimed messages of one channel. Implementations may keep a connection between sends."""

    def send(self, message: ClaimedMessage) -> None:
        """Deliver `message`; return only once the far end has accepted it, else raise DeliveryError."""
        ...

    def close(self) -> None:
        """Release any connection; the transport may be used again afterwards."""
        ...
