"""Manager reports: SQL aggregates → pandas frames → plotly charts."""
