"""Shared building blocks: time, database types, security helpers, errors."""
