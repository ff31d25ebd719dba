"""The retention report: SQL aggregates (queries) → figures (metrics) → charts, exports and pages."""
