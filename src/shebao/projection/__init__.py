"""Projections: population, insured population and fund cash flows."""
