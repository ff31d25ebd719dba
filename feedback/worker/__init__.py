"""Background work: the same jobs on Celery (with REDIS_URL) or an embedded scheduler."""
