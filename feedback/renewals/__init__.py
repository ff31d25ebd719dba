"""The renewal-at-risk queue: customers to call before they leave."""

from . import store

store.register()  # every session marks the customers its writes concern stale from here on
