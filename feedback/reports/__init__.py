"""Manager reports: SQL aggregates → pandas frames → plotly charts."""

from . import followup_rollups, rollups

rollups.register()  # every session keeps rating_rollups current from here on
followup_rollups.register()  # and followup_rollups
