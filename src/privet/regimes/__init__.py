"""The law as code: when each regime applies and the floor it sets (consent, deadlines, retention)."""
