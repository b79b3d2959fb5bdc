"""shebao: a national social security system, end to end."""

__version__ = "0.1.0"
