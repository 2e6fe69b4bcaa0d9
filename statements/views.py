"""HTML pages. Placeholder views until the HTML site lands (issue 6)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from statements.models import Document, Event, Organisation, Person, Statement


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        f"kb: {Statement.objects.count()} statements from {Document.objects.count()} documents."
    )


def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(Person, slug=slug)
    if person.merged_into_id:
        return redirect(person.resolve(), permanent=True)
    return HttpResponse(person.name)


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    if organisation.merged_into_id:
        return redirect(organisation.resolve(), permanent=True)
    return HttpResponse(organisation.name)


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(get_object_or_404(Event, pk=pk).name)


def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(get_object_or_404(Statement, pk=pk).content)


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(get_object_or_404(Document, pk=pk).title)
