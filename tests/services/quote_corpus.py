"""A corpus written for the quote tests: eleven invented outlets report three invented
speeches, cut differently, with curly and straight quotation marks, an ellipsis, a
British spelling, a changed word, one misattribution, and other people's lines that share
many of the speeches' words without being them.

``EXPECTED`` says which article carries which speech; the tests read it, never the
extraction's output, to decide what is right.
"""

from __future__ import annotations

from typing import Any

ROSSI = "Elena Rossi"
WEBB = "Marcus Webb"
OSEI = "Amara Osei"

ARTICLES: dict[str, dict[str, str]] = {
    "harbour-post": {
        "publisher": "The Harbour Post",
        "published": "2025-03-03",
        "text": (
            "Prime Minister Elena Rossi rejected the trade agreement on Monday.\n\n"
            "\u201cWe will not accept this agreement, whatever Brussels says, because it would "
            "ruin the farmers who feed this country,\u201d Rossi told parliament.\n\n"
            "Opposition leader Tomas Brandt said the government had no plan of its own."
        ),
    },
    "valley-courier": {
        "publisher": "Valley Courier",
        "published": "2025-03-04",
        "text": (
            "Prime Minister Elena Rossi spoke in parliament on Monday.\n\n"
            '"We will not accept this agreement, whatever Brussels says," Rossi said.\n\n'
            "Farmers gathered outside the building during the debate."
        ),
    },
    "northern-ledger": {
        "publisher": "Northern Ledger",
        "published": "2025-03-05",
        "text": (
            "Prime Minister Elena Rossi addressed parliament about the trade talks.\n\n"
            "\u201cWe will not accept this agreement \u2026 because it would ruin the farmers "
            "who feed this country,\u201d Rossi said.\n\n"
            "Rossi said she expected the talks to resume in April."
        ),
    },
    "coastal-times": {
        "publisher": "Coastal Times",
        "published": "2025-03-05",
        "text": (
            "Defence Minister Marcus Webb spoke about the trade talks on Monday.\n\n"
            "\u201cWe will not accept this agreement, whatever Brussels says, because it would "
            "ruin the farmers who feed this country,\u201d Webb said.\n\n"
            "The ministry did not comment further."
        ),
    },
    "daily-beacon": {
        "publisher": "Daily Beacon",
        "published": "2025-03-06",
        "text": (
            "Prime Minister Elena Rossi was firm in parliament.\n\n"
            '"We will not accept this deal, whatever Brussels says, because it would ruin the '
            'farmers who feed this country," Rossi said.\n\n'
            "Finance Minister Paul Grant said: \u201cWe will not accept this budget, whatever "
            "the opposition says, because it would hurt the families who need our help.\u201d"
        ),
    },
    "river-gazette": {
        "publisher": "River Gazette",
        "published": "2025-03-02",
        "text": (
            "Defence Minister Marcus Webb visited the northern garrison on Sunday.\n\n"
            "\u201cOur defence budget must grow every year until every soldier has the "
            "equipment they need to come home safely,\u201d Webb told troops.\n\n"
            "The garrison hosts about two thousand soldiers."
        ),
    },
    "capital-herald": {
        "publisher": "Capital Herald",
        "published": "2025-03-03",
        "text": (
            "Defense Minister Marcus Webb addressed soldiers at the northern garrison.\n\n"
            '"Our defense budget must grow every year until every soldier has the equipment '
            'they need," Webb said.\n\n'
            "Webb did not say how large the increase would be."
        ),
    },
    "evening-standard-bearer": {
        "publisher": "Evening Standard-Bearer",
        "published": "2025-03-04",
        "text": (
            "Defence Minister Marcus Webb spoke at the garrison on Sunday.\n\n"
            "\u201cEvery soldier has the equipment they need to come home safely,\u201d Webb "
            "promised.\n\n"
            "General Ada Kerr said: \u201cOur budget must grow every year until every "
            "hospital has the staff and the beds it needs.\u201d"
        ),
    },
    "union-weekly": {
        "publisher": "Union Weekly",
        "published": "2025-03-07",
        "text": (
            "Union leader Amara Osei spoke to members in the capital on Friday.\n\n"
            "\u201cWorkers have waited long enough, and they will strike on Monday if the "
            "government does not return to the table,\u201d Osei said.\n\n"
            "The union has two hundred thousand members."
        ),
    },
    "metro-bulletin": {
        "publisher": "Metro Bulletin",
        "published": "2025-03-08",
        "text": (
            "Union leader Amara Osei warned the government on Friday.\n\n"
            '"Workers have waited long enough, they will strike on Monday if the government '
            'does not return to the table," Osei said.\n\n'
            "Transport Minister Ines Valdez said: \u201cWorkers have waited long enough for "
            "new trains, and they will get them before the summer.\u201d"
        ),
    },
    "plains-observer": {
        "publisher": "Plains Observer",
        "published": "2025-03-09",
        "text": (
            "Union leader Amara Osei spoke on Friday.\n\n"
            "\u201c\u2026 they will strike on Monday if the government does not return to the "
            "table,\u201d Osei said.\n\n"
            "The government said it was ready to talk."
        ),
    },
}

# Which articles carry each speech, whom the quote belongs to, and where it first appeared.
EXPECTED = {
    "agreement": {
        "articles": {
            "harbour-post",
            "valley-courier",
            "northern-ledger",
            "coastal-times",
            "daily-beacon",
        },
        "speaker": ROSSI,
        "first": "harbour-post",
        "conflicting": True,
        "words": "whatever brussels says",
    },
    "defence": {
        "articles": {"river-gazette", "capital-herald", "evening-standard-bearer"},
        "speaker": WEBB,
        "first": "river-gazette",
        "conflicting": False,
        "words": "equipment they need",
    },
    "strike": {
        "articles": {"union-weekly", "metro-bulletin", "plains-observer"},
        "speaker": OSEI,
        "first": "union-weekly",
        "conflicting": False,
        "words": "strike on monday",
    },
}


def corpus_ingest(nlp: Any) -> dict[str, Any]:
    """Ingest every article through the real pipeline; ``{article key: Document}``."""
    from statements.models import Document
    from statements.nlp.records import DocumentMetadata
    from statements.readers import SourceDocument
    from statements.services.ingest import documents_ingest

    sources = [
        SourceDocument(
            f"<quotes/{key}>",
            article["text"],
            DocumentMetadata(
                title=key, publisher=article["publisher"], published=article["published"]
            ),
            {},
        )
        for key, article in ARTICLES.items()
    ]
    report = documents_ingest(sources, nlp=nlp)
    assert not report.failures, report.failures
    return {key: Document.objects.get(title=key) for key in ARTICLES}
