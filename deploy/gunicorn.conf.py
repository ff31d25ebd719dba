"""Gunicorn settings for production: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Threaded workers (gthread), because the default sync worker serves one connection at a time:
two clients that open a connection and send nothing froze a two-worker server for about 30 s.
A gthread worker parks idle and kept-alive connections on its event loop; only a connection
that has not sent its request yet holds a thread, for at most 5 s (gunicorn's fixed wait)
before it is parked too. So ``workers × threads`` is how many silent clients the server
absorbs at once while still answering others. On the internet, put nginx or Caddy in front
(``deploy/nginx.conf``, ``deploy/Caddyfile``): they read whole requests before passing them
on, so slow clients never reach gunicorn at all, and set ``TRUSTED_PROXIES=1`` for the app.

Listens on 127.0.0.1:8000 (behind a proxy on the same host), or 0.0.0.0:$PORT when ``PORT``
is set; ``--bind`` on the command line overrides either. Environment: ``WEB_CONCURRENCY``
(worker processes, default 2), ``WEB_THREADS`` (threads per worker, default 32).
"""

import os

wsgi_app = "wsgi:app"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads mostly wait on sockets and the database, so many are cheap; each one beyond the
# database pool (SQLAlchemy: 5 + 10 overflow per process) waits for a connection instead.
threads = int(os.environ.get("WEB_THREADS", "32"))
# Idle keep-alive connections cost no thread (they wait on the event loop); 5 s lets a browser
# or a proxy reuse its connection for the next request without holding it open for long.
keepalive = 5
# A worker whose event loop has not checked in for this long is restarted. Requests run in
# threads, so a long CSV import (minutes for 200 000 rows) does not trip it.
timeout = 60
# On restart or shutdown, requests in flight get this long to finish.
graceful_timeout = 30
# Not preloaded: the embedded scheduler (WORKER_MODE=embedded) starts a thread in create_app,
# and threads do not survive the fork from a preloading master.
preload_app = False
# Errors on stderr, for the service manager's journal. No access log here: the proxy keeps one,
# with the tokens of one-click survey links masked (gunicorn's would log them in full).
errorlog = "-"
# The client address and scheme come from the proxy's X-Forwarded-* headers through the app's
# ProxyFix (TRUSTED_PROXIES), which counts proxies rather than trusting addresses. Gunicorn's
# own X-Forwarded-Proto handling trusts FORWARDED_ALLOW_IPS (default: loopback), which agrees
# with it for a proxy on the same host.
