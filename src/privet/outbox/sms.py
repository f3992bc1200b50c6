"""SMS through an email-to-SMS gateway: the number becomes an address at the carrier's gateway domain.

Most carriers and SMS aggregators accept mail at `<digits>@<gateway domain>` and forward the body
as a text message. A direct SMS API would be another `Transport` in a module like this one.
"""

from __future__ import annotations

import re

from privet.outbox.queue import ClaimedMessage
from privet.outbox.smtp import SmtpTransport
from privet.outbox.transport import DeliveryError

_DIGITS = re.compile(r"\D")


class SmsGatewayTransport:
    """Delivers channel 'sms' by mailing the gateway address made from `address_format`.

    `address_format` is a str.format template with `{digits}` (the number's digits, e.g.
    15551234567) and/or `{number}` (the recipient as stored): `{digits}@sms.example.net`.
    """

    def __init__(self, smtp: SmtpTransport, address_format: str) -> None:
        if "{digits}" not in address_format and "{number}" not in address_format:
            raise ValueError("PRIVET_SMS_GATEWAY: the format needs {digits} or {number}, e.g. {digits}@sms.example.net")
        self.smtp = smtp
        self.address_format = address_format

    def gateway_address(self, recipient: str) -> str:
        digits = _DIGITS.sub("", recipient)
        if not 7 <= len(digits) <= 15:  # E.164 allows at most 15 digits
            raise DeliveryError(f"recipient {recipient!r} is not a phone number", retryable=False)
        return self.address_format.format(digits=digits, number=recipient.strip())

    def send(self, message: ClaimedMessage) -> None:
        self.smtp.send_to(message, self.gateway_address(message.recipient))

    def close(self) -> None:
        self.smtp.close()
