"""Manager reports: SQL aggregates → pandas frames → plotly charts."""

from . import followup_rollups, rollups
from .retention import store as retention_store

rollups.register()  # every session keeps rating_rollups current from here on
followup_rollups.register()  # and followup_rollups
retention_store.register()  # and backdated writes forget the retention months they change
