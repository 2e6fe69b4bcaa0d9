"""factory_boy factories for tests that need rows the extractor would not produce."""

from __future__ import annotations

import hashlib

import factory

from statements import models


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Document

    title = factory.Sequence(lambda n: f"Article {n}")
    publisher = "Example News"
    text = factory.Sequence(lambda n: f"Article number {n}. The minister said that all is well.")
    sha256 = factory.LazyAttribute(lambda d: hashlib.sha256(d.text.encode()).hexdigest())


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"Person Number{n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    classification = "government"


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Statement

    document = factory.SubFactory(DocumentFactory)
    speaker_person = factory.SubFactory(PersonFactory)
    speaker_text = factory.LazyAttribute(lambda s: s.speaker_person.name)
    content = "all is well"
    # Inside the document's text (at least 55 characters), as the admin requires.
    content_start = factory.Sequence(lambda n: n % 40)
    content_end = factory.LazyAttribute(lambda s: s.content_start + len(s.content))
    kind = "indirect"
