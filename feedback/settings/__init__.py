"""Manager settings: SLA policies, routing rules and staff accounts."""
