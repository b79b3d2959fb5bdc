"""Calculators: every rule of the contract, one JSON in and one JSON out, with explanations."""
