"""Pagination: page numbers everywhere (50 a page, up to 500), cursors for statements.

Statements use a cursor so deep pages cost the same as the first and rows added while a
client pages through never shift what it sees. Bad page numbers and bad cursors are a
404, never a server error.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import DataError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
PAGE_SIZE_HELP = f"Results per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})."


class KbPageNumberPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    page_size_query_description = PAGE_SIZE_HELP
    max_page_size = MAX_PAGE_SIZE


class StatementCursorPagination(CursorPagination):
    """Cursor pagination ordered by ``-id`` unless ``?ordering=`` (or a search) says otherwise.

    The cursor keeps its position on the first ordering field only: ordering by ``date``
    pages by the (non-null) ``sort_date`` with ties broken by offset, which stays correct
    but gets slower inside a large group of equal dates.
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    page_size_query_description = PAGE_SIZE_HELP
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"
    invalid_cursor_message = "Invalid cursor."

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, ValidationError, DataError, OverflowError) as error:
            # A hand-edited cursor whose position does not fit the ordering field.
            raise NotFound(self.invalid_cursor_message) from error
