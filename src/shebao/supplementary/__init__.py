"""Supplementary pillars: personal pensions and enterprise annuities."""
