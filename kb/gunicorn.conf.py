"""gunicorn settings for `make serve` (production-style serving). Every value reads the env.

    KB_GUNICORN_BIND          address to listen on (default 127.0.0.1:8000; put a reverse
                              proxy in front, or set 0.0.0.0:8000 inside a container)
    KB_GUNICORN_WORKERS       worker processes (default 2: one per core on a small machine)
    KB_GUNICORN_THREADS       threads per worker (default 1: sync workers)
    KB_GUNICORN_TIMEOUT       seconds before a silent worker is killed and restarted (30)
    KB_GUNICORN_MAX_REQUESTS  recycle a worker after this many requests (10000; 0 = never),
                              with up to 10% random jitter so workers do not restart together
    KB_GUNICORN_ACCESS_LOG    "-" for stdout or a file path; off by default (costs ~5% req/s)
    KB_GUNICORN_LOG_LEVEL     error log level (default info)
    KB_GUNICORN_CONTROL_SOCKET  path of gunicorn's control socket (default: none)

Static files are served by whitenoise inside Django (see kb/settings.py), so no separate
static server is needed; run `manage.py collectstatic` first (`make serve` does).
"""

from __future__ import annotations

import os


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("KB_GUNICORN_BIND", "127.0.0.1:8000")
workers = _env_int("KB_GUNICORN_WORKERS", 2)
threads = _env_int("KB_GUNICORN_THREADS", 1)
timeout = _env_int("KB_GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5

# Recycling workers bounds slow memory growth (caches, fragmentation); the jitter spreads
# the restarts so both workers never reload at the same moment.
max_requests = _env_int("KB_GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = max(max_requests // 10, 0)

accesslog = os.environ.get("KB_GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("KB_GUNICORN_LOG_LEVEL", "info")
proc_name = "kb"

# gunicorn 24+ opens a control socket at one fixed path per user ($HOME/.gunicorn), so two
# servers on one machine (a bench next to a dev server) would take each other's socket.
# Off unless asked for; KB_GUNICORN_CONTROL_SOCKET=<path> turns it on there.
control_socket_disable = not os.environ.get("KB_GUNICORN_CONTROL_SOCKET")
if os.environ.get("KB_GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["KB_GUNICORN_CONTROL_SOCKET"]

# Import the app in each worker, not in the master: with persistent database connections
# (CONN_MAX_AGE) a connection opened before fork would be shared by the workers.
preload_app = False
