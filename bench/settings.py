"""Settings for benchmark runs: kb's own settings plus the baseline views' URLconf.

The baseline routes live only here (``bench.urls``), so production never serves them.
"""

from kb.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# wrk sends thousands of anonymous requests a second from one address: the production
# throttle (600/minute) would turn the benchmark into a measurement of 429 responses.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405

# wrk talks plain HTTP to 127.0.0.1: production's HTTPS redirect would answer every request
# with a 301 (a TLS-terminating proxy sits in front in production, not here).
SECURE_SSL_REDIRECT = False

# A runaway query must not outlive its request: gunicorn kills a worker after 30 s, but
# PostgreSQL would go on computing for the dead client and slow every later measurement.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c statement_timeout=25000".strip()
