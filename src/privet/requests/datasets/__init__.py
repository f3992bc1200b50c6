"""Dataset declarations: where a provider's personal data lives, and how to reach and erase it."""
