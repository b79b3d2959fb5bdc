"""Accounts, sessions and the one authorization helper every service uses."""
