"""Start gunicorn for a test as production would, on a loopback socket handed over by file
descriptor (no race for a free port)."""

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_gunicorn(
    config: Path, env: dict, log, *, own_session: bool = False
) -> tuple[subprocess.Popen, int]:
    """``gunicorn -c config`` listening on a free 127.0.0.1 port, output to the file ``log``.

    Returns the process and the port; the caller waits for it to answer and stops it.
    ``own_session``: the master leads a process group of its own, so ``os.killpg`` reaches every
    worker too.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "--bind", f"fd://{listener.fileno()}"],
        cwd=ROOT,
        env=env,
        pass_fds=[listener.fileno()],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=own_session,
    )
    listener.close()  # gunicorn holds its own copy
    return process, port
