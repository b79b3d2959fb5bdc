"""The ledger: double-entry money in integer fen, idempotent postings, reversals, checks."""
