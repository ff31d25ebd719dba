"""A short-lived, per-process cache of what every API submission reads but people rarely change:
the token → user lookup, the categories, the routing rules and the SLA policies.

The correctness story is a bound, not an invalidation protocol: an entry is used for at most
``REFERENCE_CACHE_SECONDS`` (default 5) after it was read from the database, in every process.
So a revoked token, a disabled user, an edited routing rule, SLA policy or category takes effect
everywhere within that many seconds, whichever process made the change. ``0`` turns the cache
off (the testing configuration does, except in the tests of this bound).

Entries hold plain values or *detached copies* of rows (never the rows of a live session, which
a commit would expire): :func:`attach` puts a copy into the request's session without a query.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from threading import Lock
from typing import TypeVar

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db

T = TypeVar("T")
EXTENSION = "kontento.reference_cache"
DEFAULT_SECONDS = 5.0
# Token entries are keyed by token: past this many entries, expired ones are dropped first.
MAX_ENTRIES = 10_000

_lock = Lock()


def ttl() -> timedelta:
    """How long an entry may be used after it was read (``REFERENCE_CACHE_SECONDS``)."""
    return timedelta(seconds=float(current_app.config.get("REFERENCE_CACHE_SECONDS", DEFAULT_SECONDS)))


def cached(name: str, key, now: datetime, load: Callable[[], T]) -> T:
    """The value of ``(name, key)`` read at most :func:`ttl` before ``now``; else ``load()`` it.

    ``None`` from ``load`` is not kept (an unknown token must not fill the cache).
    """
    span = ttl()
    if span <= timedelta(0):
        return load()
    store: dict = current_app.extensions.setdefault(EXTENSION, {})
    entry = store.get((name, key))
    if entry is not None and now < entry[0]:
        return entry[1]
    value = load()
    if value is not None:
        with _lock:
            if len(store) >= MAX_ENTRIES:
                for stale in [k for k, (until, _) in store.items() if until <= now]:
                    del store[stale]
            store[(name, key)] = (now + span, value)
    return value


def peek(name: str, key, now: datetime):
    """The value of ``(name, key)`` if this process read it at most :func:`ttl` before ``now``,
    else None; never loads it."""
    entry = current_app.extensions.get(EXTENSION, {}).get((name, key))
    if entry is None or now >= entry[0] or ttl() <= timedelta(0):
        return None
    return entry[1]


def forget(name: str, key=None) -> None:
    """Drop this process's entry ``(name, key)`` (every entry of ``name`` if ``key`` is None)."""
    store: dict = current_app.extensions.get(EXTENSION, {})
    with _lock:
        for k in [k for k in store if k[0] == name and (key is None or k[1] == key)]:
            del store[k]


def detached_copy(row: T) -> T:
    """A detached copy of ``row``'s loaded columns, safe to share between requests and threads.

    Relationships are left unloaded (they load on first use once attached).
    """
    mapper = inspect(row).mapper
    copy = mapper.class_manager.new_instance()  # instrumented, without __init__'s defaults
    state = inspect(row)
    for attr in mapper.column_attrs:
        if attr.key in state.dict:
            copy.__dict__[attr.key] = state.dict[attr.key]
    make_transient_to_detached(copy)
    return copy


def attach(copy: T) -> T:
    """The request session's instance for a :func:`detached_copy`, made without a query."""
    return db.session.merge(copy, load=False)
