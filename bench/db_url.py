"""The benchmarks' rules for the database they are pointed at, in one place."""

import argparse

from sqlalchemy.engine import make_url


def bench_database_url(parser: argparse.ArgumentParser, url: str, *, postgresql_only: bool = True) -> str:
    """``url`` with ``postgres://`` and ``postgresql://`` rewritten to the psycopg 3 driver.

    Stops with a usage error for the database ``test`` (the test suite owns it) and, when
    ``postgresql_only``, for any other database than PostgreSQL.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    parsed = make_url(url)
    if postgresql_only and parsed.get_backend_name() != "postgresql":
        parser.error("this benchmark runs on PostgreSQL only")
    if parsed.database == "test":
        parser.error("refusing the database `test`: the test suite owns it")
    return url
