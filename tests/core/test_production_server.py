"""The documented production server (gunicorn with deploy/gunicorn.conf.py) keeps answering
while clients hold connections open without sending a request.

With the sync workers README used to document, two such clients froze the app for about 30 s.
"""

import os
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.gunicorn import ROOT, start_gunicorn

IDLE_CLIENTS = 20
# Gunicorn's gthread worker lets a connection that has sent nothing hold a thread for 5 s before
# parking it: watch past that window, and past the keep-alive that then closes it.
WATCH_SECONDS = 8


def _get(url: str, timeout: float = 5) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        response.read()
        return response.status, time.monotonic() - started


@pytest.fixture
def gunicorn_url(tmp_path):
    """gunicorn as README's production command starts it, on a loopback socket handed over by
    file descriptor (no race for a free port), against a throw-away SQLite database."""
    env = {
        **os.environ,
        "FLASK_CONFIG": "production",
        "SECRET_KEY": "test-only-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite'}",
        "WORKER_MODE": "off",
    }
    for name in ("REDIS_URL", "WEB_CONCURRENCY", "WEB_THREADS", "GUNICORN_CMD_ARGS"):
        env.pop(name, None)
    log = (tmp_path / "gunicorn.log").open("w")
    server, port = start_gunicorn(ROOT / "deploy" / "gunicorn.conf.py", env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            try:
                _get(f"{url}/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()


def test_idle_connections_do_not_stall_the_server(gunicorn_url):
    port = int(gunicorn_url.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(IDLE_CLIENTS)]
    try:
        slowest = 0.0
        end = time.monotonic() + WATCH_SECONDS
        while time.monotonic() < end:
            status, seconds = _get(f"{gunicorn_url}/healthz", timeout=30)
            assert status == 200
            slowest = max(slowest, seconds)
            time.sleep(0.25)
        assert slowest < 1, f"/healthz took {slowest:.1f} s with {IDLE_CLIENTS} idle connections open"
    finally:
        for sock in idle:
            sock.close()
