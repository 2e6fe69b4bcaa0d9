"""Fixtures for the admin tests: an editor in the ``editors`` group and their client."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.admin.helpers import editors_group


@pytest.fixture
def editor(db) -> User:
    """A staff user whose only rights come from the ``editors`` group the migration made."""
    user = User.objects.create_user("editor", "editor@example.org", "correct horse battery")
    user.is_staff = True
    user.save()
    user.groups.add(editors_group())
    return user


@pytest.fixture
def editor_client(editor: User) -> Client:
    client = Client()
    client.force_login(editor)
    return client
