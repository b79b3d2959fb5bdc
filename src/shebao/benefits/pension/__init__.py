"""Pensions: awards (maker-checker), the monthly payroll, indexation, survival authentication."""
