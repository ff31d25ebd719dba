"""Notice mail at volume: fan-out and sending of one notice to N customers over real SMTP.

    python bench/mail_bench.py [--database-url URL] [--customers 20000] [--max-minutes 15]

Builds a fresh schema by the migrations (PostgreSQL: drops the ``public`` schema of its database,
default kt_bench), adds N bulk customers, starts an SMTP sink (aiosmtpd) on 127.0.0.1, publishes
a maintenance notice to all of them and runs what the worker runs: the ``notice_mail`` job (the
fan-out), then the dispatcher, woken again for as long as mail is due. The baseline, in the same
run, is the first 500 messages sent the old way: one connection per message, one at a time.

Prints ``name: value`` lines on stdout. Stops by itself after ``--max-minutes``.
"""

import argparse
import math
import random
import socket
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: import the app

from aiosmtpd.controller import Controller  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from feedback import create_app  # noqa: E402
from feedback.core.time import utcnow  # noqa: E402
from feedback.demo.bulk import customer_pool  # noqa: E402
from feedback.extensions import db  # noqa: E402
from feedback.mailer.dispatch import dispatch  # noqa: E402
from feedback.mailer.models import OutboxMessage, OutboxStatus  # noqa: E402
from feedback.notices import services  # noqa: E402
from feedback.worker.jobs import run_job  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/kt_bench"
TARGET_MINUTES = 5  # the target for 20 000 messages
OLD_PER_RUN = 500  # the old dispatcher: 500 messages a run, a run a minute
BASELINE = 500


class Sink:
    """Accepts every message and counts messages and connections."""

    def __init__(self):
        self.messages = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.messages += 1
        return "250 OK"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"default {DEFAULT_URL}")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--max-minutes", type=float, default=15)
    return parser.parse_args(argv)


def create_database(url: str) -> None:
    """Create the bench database if it does not exist yet (its schema is wiped anyway)."""
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def due() -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    )


def main(argv=None) -> None:
    args = parse_args(argv)
    deadline = time.monotonic() + args.max_minutes * 60
    url = args.database_url
    tmp = tempfile.TemporaryDirectory()
    if url.startswith("sqlite"):
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite'}"
    else:
        create_database(url)
        with create_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    sink = Sink()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "WORKER_MODE": "off", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
    )
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", port
    results: dict[str, object] = {}
    try:
        with app.app_context():
            upgrade()
            now = utcnow()
            customer_pool(args.customers, random.Random(1), now)
            db.session.commit()
            draft = services.NoticeDraft(
                kind="maintenance",
                title="Kernel upgrade",
                body="We upgrade the kernel.",
                starts_at=now + timedelta(days=3),
                ends_at=now + timedelta(days=3, hours=2),
            )
            notice = services.save_notice(None, None, draft, now)
            services.publish(notice, None, now)
            db.session.commit()

            started = time.perf_counter()
            run_job("notice_mail", now, claim=False)
            results["fanout_seconds"] = time.perf_counter() - started
            queued = due()
            results["messages"] = queued

            # Baseline: the old way, one connection per message and one sender.
            app.config.update(MAIL_SEND_CONCURRENCY=1, MAIL_BATCH_SIZE=1)
            started = time.perf_counter()
            baseline = dispatch(utcnow(), limit=BASELINE).sent
            base_rate = baseline / (time.perf_counter() - started)
            results["baseline_messages_per_second"] = base_rate

            app.config.update(MAIL_SEND_CONCURRENCY=4, MAIL_BATCH_SIZE=100)
            started, sent, runs = time.perf_counter(), 0, 0
            while due() and time.monotonic() < deadline:  # the wake-up after each run, in line
                sent += dispatch(utcnow()).sent
                runs += 1
            send_seconds = time.perf_counter() - started
            rate = sent / send_seconds if send_seconds else 0.0
            results.update(
                send_seconds=send_seconds,
                sent=sent,
                dispatcher_runs=runs,
                messages_per_second=rate,
                smtp_received=sink.messages,
                left_unsent=due(),
            )
    finally:
        controller.stop()
        tmp.cleanup()
    fanout_per_message = results["fanout_seconds"] / max(results["messages"], 1)
    minutes = (20_000 * fanout_per_message + 20_000 / max(results["messages_per_second"], 1e-9)) / 60
    results["mail_20k_minutes"] = minutes
    results["mail_20k_target_minutes"] = TARGET_MINUTES
    results["mail_20k_within_target"] = "yes" if minutes <= TARGET_MINUTES else "no"
    results["old_schedule_20k_minutes"] = math.ceil(20_000 / OLD_PER_RUN)  # 500 a run, a run a minute
    results["send_speedup_vs_one_connection_each"] = results["messages_per_second"] / base_rate
    for name, value in results.items():
        print(f"{name}: {value:.2f}" if isinstance(value, float) else f"{name}: {value}")


if __name__ == "__main__":
    main()
