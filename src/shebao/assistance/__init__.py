"""Social assistance and welfare: applications, identification, cases and payments."""
