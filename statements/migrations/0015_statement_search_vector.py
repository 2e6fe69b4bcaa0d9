"""A stored search vector on statements (PostgreSQL only), indexed in place of the expression.

``search_vector`` is a generated column: PostgreSQL computes it from ``content`` and
``speaker_text`` on every insert and update, so it is exact whoever writes the row (the
services, the admin, COPY). Search reads it instead of recomputing ``to_tsvector`` for
each row it checks, which lets a query walk an index newest first and test each row's
vector cheaply, and lets ranking read it. It is not a model field: no page reads it as a
value, and a model field would be selected with every statement. The expression is the
one ``SearchVector("content", "speaker_text", config="english")`` compiles to.

Adding it rewrites the statements table (one pass computing every vector, under an
exclusive lock: minutes at a million statements). While it exists PostgreSQL refuses to
change the type of ``content`` or ``speaker_text``: drop it, alter, add it again.
SQLite keeps its FTS5 tables (statements/search.py) and this migration does nothing there.
"""

from django.db import migrations

TABLE = "statements_statement"
EXPRESSION = (
    "to_tsvector('english'::regconfig, COALESCE(\"content\", '') || ' ' || "
    "COALESCE(\"speaker_text\", ''))"
)


def _no_statement_timeout(schema_editor) -> None:
    """The rewrite is one statement that takes minutes on a large table: a
    ``statement_timeout`` meant for requests (the benchmark settings set 25 s) must not
    cancel it. ``SET LOCAL`` ends with the migration's transaction."""
    schema_editor.execute("SET LOCAL statement_timeout = 0")


def vector_add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _no_statement_timeout(schema_editor)
    schema_editor.execute(
        f'ALTER TABLE "{TABLE}" ADD COLUMN IF NOT EXISTS "search_vector" tsvector '
        f"GENERATED ALWAYS AS ({EXPRESSION}) STORED"
    )
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "statement_search_vector_gin" ON "{TABLE}" '
        'USING GIN ("search_vector")'
    )
    schema_editor.execute('DROP INDEX IF EXISTS "statement_search_gin"')


def vector_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _no_statement_timeout(schema_editor)
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "statement_search_gin" ON "{TABLE}" USING GIN (({EXPRESSION}))'
    )
    schema_editor.execute(f'ALTER TABLE "{TABLE}" DROP COLUMN IF EXISTS "search_vector"')


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0014_statements_about_covering_indexes"),
    ]

    operations = [
        migrations.RunPython(vector_add, vector_drop, elidable=False),
    ]
