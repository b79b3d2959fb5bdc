"""Transfers of pension and medical records between provinces (issue 6)."""
