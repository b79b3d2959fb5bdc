"""The policy formulas over millions of persons: a synthetic population in Parquet, batch runs
per province partition, on Polars in-process or on a Dask cluster (docs/batch.md)."""
