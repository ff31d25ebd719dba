"""Serve an app with gunicorn on loopback and drive it with a bounded, threaded HTTP client.

Only 127.0.0.1; every run is bounded in time and the server is stopped afterwards.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"  # the one installed next to this interpreter


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False


@contextmanager
def gunicorn(app_spec: str, env: dict, chdir: Path = ROOT, workers: int = 2, boot_timeout: float = 60):
    """Run ``gunicorn -w workers app_spec`` on a free loopback port; yield the port; stop it after."""
    port = free_port()
    command = [str(GUNICORN), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--chdir", str(chdir)]
    command += ["--log-level", "warning", "--timeout", "60", app_spec]
    proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + boot_timeout
        while not _ready(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app_spec} did not start (exit code {proc.poll()})")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()  # graceful: workers finish their request and exit
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def drive(port: int, path: str, bodies: list[dict], headers: list[dict], seconds: float, clients: int):
    """POST ``bodies`` (JSON) round-robin from ``clients`` threads for ``seconds``.

    Thread ``i`` sends with ``headers[i % len(headers)]``. Returns (successes, failures, elapsed
    seconds); a success is a 2xx answer. A request still running at the deadline is let finish.
    """
    counts = [[0, 0] for _ in range(clients)]
    stop_at = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = i
        while time.monotonic() < stop_at:
            body = json.dumps(bodies[n % len(bodies)])
            n += clients
            try:
                conn.request(
                    "POST", path, body, {"Content-Type": "application/json", **headers[i % len(headers)]}
                )
                response = conn.getresponse()
                response.read()
                counts[i][0 if 200 <= response.status < 300 else 1] += 1
            except OSError:
                counts[i][1] += 1
                conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return sum(c[0] for c in counts), sum(c[1] for c in counts), elapsed
