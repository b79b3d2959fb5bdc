"""Pooled funds above the province: the central adjustment fund (issue 6)."""
