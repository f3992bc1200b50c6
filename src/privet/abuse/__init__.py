"""The abuse desk: copyright and acceptable-use notices from intake to enforcement.

Notices arrive as email (files, the API, a maildir, an SMTP listener); `parse` turns each into
a `ParsedNotice` or refuses it with a reason; `intake` keeps the bytes as evidence, checks
copyright notices against 17 U.S.C. 512(c)(3), attributes the event to a subscriber from the
address assignment records (`attribution`), and hands attributed notices to `cases`, where the
pack's programs decide strikes and ladder steps. Hosted-content takedowns and counter-notices
(`hosted`), disputes (`disputes`) and reports (`reports`) sit beside them.
"""
