"""Failed-login throttling and lockout, for every way of logging in (admin form, API).

Django's ``authenticate()`` asks each backend in ``AUTHENTICATION_BACKENDS``; this one is
the model backend with counters in front. Failures are counted per account (lower-cased
username) and per client address in the shared cache; past either limit, a login is
refused before the password is hashed, so a stream of wrong passwords costs neither a
PBKDF2 hash per try nor a chance to guess, until ``KB_LOGIN_LOCKOUT_SECONDS`` have passed
since the last failure. A successful login clears its account's counter.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest | Any) -> str:
    """The client's address: ``KB_TRUSTED_PROXIES`` hops from the right of
    X-Forwarded-For behind that many proxies, the socket's address otherwise."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR", "")
    proxies = settings.KB_TRUSTED_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]
    return f"kb:login-failures:{kind}:{digest}"


def login_failure_keys(*, username: str, address: str) -> list[tuple[str, int]]:
    """The counters a login attempt is checked against, with their limits."""
    return [
        (_key("account", username.strip().lower()), settings.KB_LOGIN_FAILURES_PER_ACCOUNT),
        (_key("client", address), settings.KB_LOGIN_FAILURES_PER_CLIENT),
    ]


def login_locked(*, username: str, address: str) -> bool:
    keys = login_failure_keys(username=username, address=address)
    counts = cache.get_many([key for key, _limit in keys])
    return any(counts.get(key, 0) >= limit for key, limit in keys)


def login_failure_record(*, username: str, address: str) -> None:
    timeout = settings.KB_LOGIN_LOCKOUT_SECONDS
    for key, _limit in login_failure_keys(username=username, address=address):
        # add() then incr(): atomic in Redis and the database cache, good enough in memory.
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout)
        cache.touch(key, timeout)


class LockoutModelBackend(ModelBackend):
    """Django's model backend, refusing accounts and clients with too many recent failures."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ):
        if username is None:
            username = kwargs.get(self._username_field(), "")
        if username is None or password is None:
            return None
        address = client_address(request) if request is not None else ""
        if login_locked(username=username, address=address):
            logger.warning("login refused (locked out): %r from %s", username, address)
            # PermissionDenied stops authenticate() here: no other backend, no hash.
            raise PermissionDenied("Too many failed logins; try again later.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, address=address)
        else:
            cache.delete(login_failure_keys(username=username, address=address)[0][0])
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
