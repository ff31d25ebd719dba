"""The hosting lifecycle: subscriptions, renewals, cancellations, plan changes, and their reports."""
