"""Retention: the pack's keeping periods and the law's minimums, applied by a sweep that holds and minimums can stop."""
