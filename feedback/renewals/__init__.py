"""The renewal-at-risk queue: customers to call before they leave."""
