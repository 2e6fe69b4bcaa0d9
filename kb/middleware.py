"""Project-wide middleware: security headers and a clean 503 when the database is away."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy Django 5.2 does not set itself.

    The policy forbids inline scripts: every page of the site keeps its JavaScript in
    static files, so a stored ``<script>`` in an article can never run.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.KB_CONTENT_SECURITY_POLICY
        self.permissions = settings.KB_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        if self.permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions
        return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection into a short 503 page instead of a traceback."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Django turns exceptions into responses between middleware layers, so a database
        # error reaches us through process_exception, not as an exception here.
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OperationalError, InterfaceError)):
            return self._unavailable(request, exception)
        return None

    @staticmethod
    def _unavailable(request: HttpRequest, error: DatabaseError) -> HttpResponse:
        logger.error("database unavailable on %s: %s", request.path, error)
        wants_json = request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")
        if wants_json:
            response = HttpResponse(
                b'{"detail": "The database is unavailable. Try again in a minute."}',
                status=503,
                content_type="application/json",
            )
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "60"
        return response
