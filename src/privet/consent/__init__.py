"""The consent ledger: every choice and signal, append-only, with the current state as its projection."""
