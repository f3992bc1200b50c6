"""CPNI safeguards: authentication before disclosure, change notices, campaign records, breaches, certification."""
