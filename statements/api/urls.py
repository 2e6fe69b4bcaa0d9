"""REST API URLs."""

from django.urls import path

urlpatterns: list = []
_ = path
