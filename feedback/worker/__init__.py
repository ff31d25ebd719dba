"""Background work: the same jobs on Celery (with REDIS_URL) or an embedded scheduler.

- ``backend``: builds what ``WORKER_MODE`` names for an app (Celery, the embedded scheduler).
- ``jobs``: the table of periodic jobs, collected from the features that declare them, and
  :func:`~.jobs.run_job`, which both paths call.
- ``celery_app`` and ``tasks``: Celery's configuration, beat schedule and the three tasks.
- ``embedded``: the scheduler thread inside each web process.
- ``wake``: the after-commit wake-up (queued mail, :func:`feedback.core.wake.wake_after_commit`).
- ``cli``: ``flask jobs run`` and ``flask jobs status``; ``models``: the ``job_runs`` table.

Features never import this package: they declare :class:`feedback.core.jobs.Job` objects and
ask for wake-ups through :mod:`feedback.core.wake`.
"""
