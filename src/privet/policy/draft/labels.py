"""The twelve OPP-115 practice labels the drafter's classifier is trained on and its readers act on.

OPP-115's ten categories, with "Other" split by its "Other Type" (introductory text, practices
not covered, contact information) and Other/Other left out, as Polisis and PrivacyGLUE do.
"""

from __future__ import annotations

LABELS: tuple[str, ...] = (
    "First Party Collection/Use",
    "Third Party Sharing/Collection",
    "User Choice/Control",
    "User Access, Edit and Deletion",
    "Data Retention",
    "Data Security",
    "Policy Change",
    "Do Not Track",
    "International and Specific Audiences",
    "Introductory/Generic",
    "Practice not covered",
    "Privacy contact information",
)
FPC, TPS, UCC, UAED, RET, SEC, CHG, DNT, ISA, INTRO, OTHER, CONTACT = LABELS
