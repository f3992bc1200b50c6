"""The outbox: messages to people, written in the deciding transaction, delivered by a worker."""
