"""Follow-ups: the staff queue, SLA deadlines and escalation."""
