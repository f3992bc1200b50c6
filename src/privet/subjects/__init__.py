"""Subscribers: the accounts, people, identities and services the policy speaks of."""
