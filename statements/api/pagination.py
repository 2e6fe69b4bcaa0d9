"""Pagination: page numbers everywhere (50 a page, up to 500), cursors for statements.

Statements use a cursor so deep pages cost the same as the first and rows added while a
client pages through never shift what it sees. Bad page numbers and bad cursors are a
404, never a server error.
"""

from __future__ import annotations

import hashlib
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DataError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

from statements.selectors import cached_summary

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
PAGE_SIZE_HELP = f"Results per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})."


class KbPageNumberPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    page_size_query_description = PAGE_SIZE_HELP
    max_page_size = MAX_PAGE_SIZE


class MinuteCountPaginator(Paginator):
    """Django's paginator, with the count of its rows kept a minute (``cached_summary``).

    Why: the count of the quote list is of every public quote, a parallel scan of the
    whole table (25 ms at 1M statements, 150,000 quotes) on every page, while the page
    itself reads 50 rows through an index. The rows stay live; the total may lag writes
    by a minute, as the home page's counts do. The key is the query's SQL and parameters,
    so every filter has its own count.
    """

    @cached_property
    def count(self) -> int:
        sql, params = self.object_list.query.sql_with_params()
        digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
        return cached_summary(f"kb:count:{digest}", self.object_list.count)


class MinuteCountPageNumberPagination(KbPageNumberPagination):
    """Page numbers whose total (``count``) may lag writes by a minute."""

    django_paginator_class = MinuteCountPaginator


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
