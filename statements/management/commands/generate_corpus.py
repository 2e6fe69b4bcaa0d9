"""Fill the database with a synthetic corpus for benchmarks (never a real knowledge base).

The generator is benchmark code (bench/synthetic.py), not part of the product: this command
only parses arguments and runs it, from a project checkout.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Write N synthetic statements with their documents, people, organisations, roles, "
        "events and targets, for benchmarks. Rows bypass save() and history. "
        "Use a dedicated database: --clear empties every knowledge-base table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--statements", type=int, required=True, help="How many statements.")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument(
            "--clear", action="store_true", help="Empty the knowledge-base tables first."
        )
        parser.add_argument(
            "--chunk-documents",
            type=int,
            default=5000,
            help="Documents written per transaction (default 5000).",
        )

    def handle(self, *args, **options) -> None:
        try:
            from bench.synthetic import corpus_generate
        except ImportError as error:
            raise CommandError(
                f"the corpus generator is in bench/ of a kb checkout; run this from there ({error})"
            ) from None
        verbose = options["verbosity"] >= 2
        report = corpus_generate(
            statements=options["statements"],
            seed=options["seed"],
            clear=options["clear"],
            chunk_documents=options["chunk_documents"],
            progress=(lambda message: self.stderr.write(message)) if verbose else None,
        )
        self.stdout.write(self.style.SUCCESS(f"Generated {report}"))
