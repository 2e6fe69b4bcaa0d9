"""Who may write, how clients are counted, how logins are guarded, what a config file can do.

- API writes need the model permission (``statements.change_statement``), not ``is_staff``.
- The anonymous throttle keys on the socket's address unless proxies are configured, so a
  forged X-Forwarded-For per request changes nothing; it counts in the shared cache.
- Failed logins lock an account and a client out (admin form and API) before the password
  is hashed; HTTP Basic on the API is off unless a setting turns it on.
- DEBUG comes from the process environment only; the development key is refused without it.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from statements.models import ReviewStatus, Statement
from tests.factories import StatementFactory

PROJECT_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def user(username: str, *, staff: bool = False, perms: tuple[str, ...] = ()) -> User:
    account = User.objects.create_user(username, password=PASSWORD, is_staff=staff)
    for codename in perms:
        account.user_permissions.add(Permission.objects.get(codename=codename))
    return account


# ---------------------------------------------------------------------------- permissions


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_review_through_the_api():
    statement = StatementFactory()
    client = APIClient()
    client.force_authenticate(user("staffer", staff=True))
    response = client.patch(
        f"/api/statements/{statement.pk}/", {"review_status": "rejected"}, format="json"
    )
    assert response.status_code == 403
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.AUTO


@pytest.mark.django_db
def test_the_change_permission_is_what_allows_a_review():
    statement = StatementFactory()
    client = APIClient()
    client.force_authenticate(user("reviewer", perms=("change_statement",)))
    response = client.patch(
        f"/api/statements/{statement.pk}/", {"review_status": "rejected"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Statement.objects.get(pk=statement.pk).review_status == ReviewStatus.REJECTED


# ------------------------------------------------------------------------------ throttles


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "20/minute"})
    client = APIClient()
    statuses = [
        client.get(
            "/api/documents/", HTTP_X_FORWARDED_FOR=f"10.{n // 256}.{n % 256}.{n % 7}"
        ).status_code
        for n in range(30)
    ]
    assert statuses.count(200) == 20 and statuses.count(429) == 10


@pytest.mark.django_db
def test_behind_one_proxy_the_client_is_the_address_the_proxy_saw(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    client = APIClient()
    with override_settings(
        KB_TRUSTED_PROXIES=1,
        REST_FRAMEWORK={**_rest_framework_settings(), "NUM_PROXIES": 1},
    ):

        def get(forwarded: str) -> int:
            return client.get("/api/documents/", HTTP_X_FORWARDED_FOR=forwarded).status_code

        # A client forging the left part still ends at the same real address.
        assert [get(f"6.6.6.{n}, 203.0.113.9") for n in range(4)] == [200, 200, 200, 429]
        assert get("203.0.113.10") == 200  # another real client has its own count


def _rest_framework_settings() -> dict:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def _redis_url() -> str:
    url = os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    host, port = "127.0.0.1", 6379
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is required in CI (127.0.0.1:6379)")
        pytest.skip("needs Redis at 127.0.0.1:6379 (the shared throttle cache)")
    return url


@pytest.mark.django_db
def test_throttle_counts_are_shared_between_workers_through_redis(monkeypatch):
    """Two workers are two cache connections; with Redis they see one count."""
    from django.core.cache import caches

    url = _redis_url()
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "4/minute"})
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"kb-test-{secrets.token_hex(4)}",
        }
    }
    with override_settings(CACHES=redis_cache):
        client = APIClient()
        first_worker = [client.get("/api/documents/").status_code for _ in range(2)]
        del caches["default"]  # a new connection, as another worker process has
        monkeypatch.setattr(AnonRateThrottle, "cache", caches["default"])
        second_worker = [client.get("/api/documents/").status_code for _ in range(3)]
        caches["default"].clear()
    assert first_worker + second_worker == [200, 200, 200, 200, 429]


def test_a_redis_cache_url_selects_djangos_redis_backend():
    from kb.settings import _cache_config

    config = _cache_config("redis://127.0.0.1:6379/0")
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == "redis://127.0.0.1:6379/0"


# ------------------------------------------------------------------------------- logins


def _admin_login(client, username: str, password: str) -> bool:
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return response.status_code == 302


@pytest.mark.django_db
def test_admin_logins_lock_out_after_repeated_failures(client, settings):
    settings.KB_LOGIN_FAILURES_PER_ACCOUNT = 5
    user("editor", staff=True)
    assert not any(_admin_login(client, "editor", f"guess {n}") for n in range(5))
    # Locked: even the right password is refused now, so guessing gains nothing.
    assert not _admin_login(client, "editor", PASSWORD)
    assert not _admin_login(client, "EDITOR", PASSWORD)  # the same account
    cache.clear()  # the lockout window has passed
    assert _admin_login(client, "editor", PASSWORD)


@pytest.mark.django_db
def test_a_locked_login_costs_no_password_hash(client, settings, monkeypatch):
    from django.contrib.auth import hashers

    settings.KB_LOGIN_FAILURES_PER_ACCOUNT = 3
    user("editor", staff=True)
    for n in range(3):
        _admin_login(client, "editor", f"guess {n}")
    calls = []
    original = hashers.check_password
    monkeypatch.setattr(
        "django.contrib.auth.base_user.check_password",
        lambda *a, **k: calls.append(1) or original(*a, **k),
    )
    for n in range(10):
        _admin_login(client, "editor", f"more {n}")
    assert calls == []


@pytest.mark.django_db
def test_one_client_trying_many_accounts_is_locked_out(client, settings):
    settings.KB_LOGIN_FAILURES_PER_CLIENT = 6
    user("target", staff=True)
    for n in range(6):
        _admin_login(client, f"someone-{n}", "guess")
    assert not _admin_login(client, "target", PASSWORD)


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.mark.django_db
def test_http_basic_is_off_by_default():
    statement = StatementFactory()
    user("reviewer", perms=("change_statement",))
    response = APIClient().patch(
        f"/api/statements/{statement.pk}/",
        {"review_status": "accepted"},
        format="json",
        HTTP_AUTHORIZATION=_basic("reviewer", PASSWORD),
    )
    assert response.status_code == 403
    assert Statement.objects.get(pk=statement.pk).review_status == ReviewStatus.AUTO


def test_kb_api_basic_auth_turns_http_basic_on(tmp_path):
    key = secrets.token_urlsafe(50)
    show = "import kb.settings as s; print(s.REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'])"
    off = _settings_in_copy(tmp_path / "off", f"DJANGO_SECRET_KEY={key}\n", code=show)
    on = _settings_in_copy(
        tmp_path / "on", f"DJANGO_SECRET_KEY={key}\n", code=show, KB_API_BASIC_AUTH="1"
    )
    assert "BasicAuthentication" not in off.stdout and "SessionAuthentication" in off.stdout
    assert "BasicAuthentication" in on.stdout, on.stderr


@pytest.fixture
def basic_auth_on(monkeypatch):
    """The statement API as KB_API_BASIC_AUTH=1 builds it (views read the setting at import)."""
    from rest_framework.authentication import BasicAuthentication, SessionAuthentication

    from statements.api.views import StatementViewSet

    monkeypatch.setattr(
        StatementViewSet, "authentication_classes", [SessionAuthentication, BasicAuthentication]
    )


@pytest.mark.django_db
def test_api_basic_logins_work_and_lock_out(settings, basic_auth_on):
    settings.KB_LOGIN_FAILURES_PER_ACCOUNT = 4
    statement = StatementFactory()
    user("reviewer", perms=("change_statement",))
    client = APIClient()
    url = f"/api/statements/{statement.pk}/"
    body = {"review_status": "accepted"}
    for n in range(4):
        auth = _basic("reviewer", f"guess {n}")
        assert client.get(url, HTTP_AUTHORIZATION=auth).status_code in (401, 403)
    auth = _basic("reviewer", PASSWORD)
    assert client.patch(url, body, format="json", HTTP_AUTHORIZATION=auth).status_code in (
        401,
        403,
    )
    assert Statement.objects.get(pk=statement.pk).review_status == ReviewStatus.AUTO
    cache.clear()  # the lockout window has passed
    response = client.patch(url, body, format="json", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200, response.content


# -------------------------------------------------------------------------- configuration


def _settings_in_copy(
    tmp_path: Path,
    dotenv: str,
    *,
    code: str = "import kb.settings as s; print('DEBUG', s.DEBUG)",
    **environment: str,
) -> subprocess.CompletedProcess:
    """Import kb.settings from a copy of the project holding this .env."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "kb", copy / "kb")
    (copy / ".env").write_text(dotenv)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_dotenv_cannot_turn_debug_on(tmp_path):
    key = secrets.token_urlsafe(50)
    result = _settings_in_copy(tmp_path, f"DJANGO_DEBUG=1\nDJANGO_SECRET_KEY={key}\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG False"


def test_an_old_dotenv_with_debug_and_no_key_refuses_to_start(tmp_path):
    result = _settings_in_copy(tmp_path, "DJANGO_DEBUG=1\n")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_development_key_is_refused_unless_debug_is_set(tmp_path):
    from kb.settings import _DEV_SECRET_KEY

    refused = _settings_in_copy(tmp_path, "", DJANGO_SECRET_KEY=_DEV_SECRET_KEY)
    assert refused.returncode != 0 and "development key" in refused.stderr
    allowed = _settings_in_copy(
        tmp_path / "again", "", DJANGO_SECRET_KEY=_DEV_SECRET_KEY, DJANGO_DEBUG="1"
    )
    assert allowed.stdout.strip() == "DEBUG True", allowed.stderr


def test_what_make_install_writes_cannot_turn_debug_on():
    example = (PROJECT_DIR / ".env.example").read_text()
    assert not any(line.startswith("DJANGO_DEBUG") for line in example.splitlines())
    makefile = (PROJECT_DIR / "Makefile").read_text()
    recipe = makefile.split("\n.env:")[1].split("\n\n")[0]
    assert "DJANGO_DEBUG" not in recipe and "DJANGO_SECRET_KEY" in recipe


class _SilentDatabase:
    """A TCP server that accepts connections and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.sock.close()
        for connection in self.held:
            connection.close()


@pytest.mark.django_db
def test_a_silent_database_gives_up_within_seconds():
    from django.db import OperationalError, connections
    from django.db.backends.postgresql.base import DatabaseWrapper

    silent = _SilentDatabase()
    try:
        settings_dict = {
            **connections["default"].settings_dict,
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "kb_silent",
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(silent.port),
            "OPTIONS": {"connect_timeout": 2},
        }
        wrapper = DatabaseWrapper(settings_dict, alias="silent")
        started = time.monotonic()
        with pytest.raises(OperationalError):
            wrapper.ensure_connection()
        assert time.monotonic() - started < 10
    finally:
        silent.close()


def test_postgres_settings_carry_a_connect_timeout(tmp_path):
    key = secrets.token_urlsafe(50)
    result = _settings_in_copy(
        tmp_path,
        f"DJANGO_SECRET_KEY={key}\n",
        code="import kb.settings as s; print(s.DATABASES['default']['OPTIONS']['connect_timeout'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kb",
    )
    assert result.stdout.strip() == "5", result.stderr


@pytest.mark.parametrize("path", ["/", "/api/statements/"])
def test_a_server_whose_database_is_silent_answers_503_within_seconds(path):
    """gunicorn against a database that accepts and never answers: 503, not a 30 s hang."""
    import urllib.error
    import urllib.request

    from tests.hardening.test_settings_security import _free_port, _production_env

    silent = _SilentDatabase()
    port = _free_port()
    env = _production_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{silent.port}/kb_silent",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        KB_DB_CONNECT_TIMEOUT="2",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kb.wsgi", "--bind", f"127.0.0.1:{port}", "-w", "1"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
                    status = r.status
                break
            except urllib.error.HTTPError as error:
                status = error.code
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert status == 503
        assert elapsed < 15, f"the request took {elapsed:.1f} s"
    finally:
        server.terminate()
        server.wait(timeout=10)
        silent.close()
