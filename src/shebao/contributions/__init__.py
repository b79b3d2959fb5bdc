"""Contribution collection: declarations, bills, payments, arrears and late fees."""
