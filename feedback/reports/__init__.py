"""Manager reports: SQL aggregates → pandas frames → plotly charts."""

from . import rollups

rollups.register()  # every session keeps rating_rollups current from here on
