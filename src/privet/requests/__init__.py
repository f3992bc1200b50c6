"""Data-subject requests: access, know, delete, correct, opt out of sale, Shine the Light.

Privet does not copy a provider's systems. It is told where personal data lives (dataset
declarations, `datasets/`), reaches it through small connectors (`connectors/`), and runs each
request from intake to answer: finding the person by any identity, verifying them as far as
the request needs, counting the legal deadlines, then collecting, masking or correcting the
person's rows in every declared system while keeping what the law or a hold keeps.
"""
