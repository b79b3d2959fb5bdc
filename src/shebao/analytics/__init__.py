"""Weak points of the system measured on a population in Parquet: indicators, a self-contained
HTML report with charts, and the analysts' page (docs/batch.md)."""
