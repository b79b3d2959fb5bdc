"""The HTTP interface: the app factory, shared dependencies and error handling."""
