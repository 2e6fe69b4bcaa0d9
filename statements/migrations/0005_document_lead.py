"""Documents get ``lead``, their text's first sentence: their name when they have no title."""

from django.db import migrations, models

BATCH = 500


def leads_fill(apps, schema_editor):
    from statements.models import first_sentence

    Document = apps.get_model("statements", "Document")
    batch = []
    for document in Document.objects.only("pk", "text").iterator(chunk_size=BATCH):
        document.lead = first_sentence(document.text)
        batch.append(document)
        if len(batch) >= BATCH:
            Document.objects.bulk_update(batch, ["lead"])
            batch = []
    if batch:
        Document.objects.bulk_update(batch, ["lead"])


class Migration(migrations.Migration):

    dependencies = [
        ("statements", "0004_statement_read_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="lead",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                help_text="The text's first sentence: the document's name when it has no title.",
                max_length=200,
            ),
        ),
        migrations.RunPython(leads_fill, migrations.RunPython.noop, elidable=True),
    ]
