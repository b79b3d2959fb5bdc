"""Database: one engine and session factory for SQLite and PostgreSQL, and the migrations."""
