"""JSON API v1 (thin: calls the same services and queries as the pages)."""
