"""Queued ingestion through a real broker and real ``celery -A kb worker`` processes.

The corpus is five short articles and one broken file written by the test, so that a
worker (which loads the spaCy model once) finishes in seconds. What is compared is the
database itself, table by table, against what a local ``ingest`` of the same files stores.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models as django_models
from django.urls import reverse

from statements import models
from statements.readers import SourceDocument, sources_read
from statements.selectors.ingest_runs import ingest_run_progress
from statements.services.ingest import PlannedDocument, document_plan, text_sha256
from statements.services.ingest_queue import (
    BrokerUnavailable,
    ingest_enqueue,
    ingest_run_requeue,
)
from tests.queue import (
    RABBITMQ_URL,
    REDIS_URL,
    VISIBILITY_TIMEOUT,
    Worker,
    broker_require,
    postgres_require,
    queue_delete,
    queue_name,
    run_finished_wait,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ARTICLES = {
    "a.txt": "title: Budget vote\npublisher: Example News\npublished: 2024-03-05\n\n"
    "Senator Maria Lopez said on Tuesday that the budget would be approved next week. "
    '"We have the votes," Lopez told reporters in Washington.',
    "b.txt": "title: Strike warning\npublisher: Example News\npublished: 2024-03-06\n\n"
    "The prime minister, David Chen, warned that the strike would hurt exports. "
    "Chen said the government would not negotiate under pressure.",
    "c.txt": "Oxfam said in a statement on Wednesday that the aid cuts would cost lives in Sudan.",
    "d.txt": '"The border will stay open," Interior Minister Karl Weber said on Monday, '
    "after talks with the mayor of Vienna.",
    "e.txt": "Governor Helen Park announced that the state would raise the minimum wage. "
    "Park said the increase would take effect in January.",
}
BROKEN = {"bad.json": '{"title": broken'}
# What ingestion writes; compared row by row between a local and a queued run.
TABLES = [
    models.Document,
    models.Person,
    models.Organisation,
    models.OtherName,
    models.Identifier,
    models.Membership,
    models.Event,
    models.EventParticipant,
    models.Mention,
    models.Statement,
    models.StatementTarget,
]


def corpus_write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def table_rows(model: type[django_models.Model]) -> list[tuple]:
    """Every row of ``model`` without its ids and timestamps; a foreign key as the row it
    points to (its name), so two databases filled in the same order compare equal."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not isinstance(field, django_models.DateTimeField)
    ]
    rows = []
    for obj in model.objects.all():
        row = []
        for field in fields:
            if field.is_relation:
                related = getattr(obj, field.name)
                row.append(str(related) if related is not None else None)
            else:
                row.append(repr(getattr(obj, field.attname)))
        rows.append(tuple(row))
    return sorted(rows, key=repr)


def database_snapshot() -> dict[str, list[tuple]]:
    return {model.__name__: table_rows(model) for model in TABLES}


def ingest(*args: str) -> tuple[str, str, int]:
    """``manage.py ingest ARGS``: (stdout, stderr, exit status)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        err.write(str(error))
        status = error.returncode
    return out.getvalue(), err.getvalue(), status


def report_figures(stdout: str) -> list[str]:
    """The report's lines but the two timings, which differ from run to run."""
    lines = stdout[stdout.index("Ingest report") :].splitlines()
    return [line for line in lines if not line.strip().startswith(("elapsed", "words/s"))]


def _queued_item(source: SourceDocument, **metadata: str) -> tuple[models.IngestRunItem, dict]:
    """A run of one queued document, as ``ingest_enqueue`` records it; its task payload."""
    import dataclasses

    from django.utils import timezone

    planned = document_plan(source)
    assert isinstance(planned, PlannedDocument)
    if metadata:
        planned = dataclasses.replace(
            planned, metadata=dataclasses.replace(planned.metadata, **metadata)
        )
    run = models.IngestRun.objects.create(enqueued_at=timezone.now())
    item = models.IngestRunItem.objects.create(
        run=run, path=planned.path, sha256=planned.sha256, queued=True, payload=planned.to_json()
    )
    return item, _task_payload(item)


def _task_payload(*items: models.IngestRunItem) -> dict:
    """The keyword arguments of the task that carries these items, as ``_tasks_send`` sends."""
    entries = [{"item_id": item.pk, "planned": item.payload} for item in items]
    return {"items": entries, "force": False, "model_name": ""}


@pytest.fixture
def redis_queue(transactional_db, settings):
    postgres_require()
    broker_require(REDIS_URL)
    name = queue_name()
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_DEFAULT_QUEUE = REDIS_URL, name
    yield name
    queue_delete(REDIS_URL, name)


@pytest.fixture
def redis_worker(redis_queue):
    worker = Worker(
        REDIS_URL, redis_queue, KB_QUEUE_MAX_RETRIES="2", KB_QUEUE_RETRY_BACKOFF="0.2"
    ).start()
    yield worker
    worker.stop()


def test_a_queued_ingest_stores_what_a_local_ingest_stores(redis_worker, tmp_path):
    folder = str(corpus_write(tmp_path / "corpus", {**ARTICLES, **BROKEN}))
    local_out, local_err, local_status = ingest(folder)
    expected = database_snapshot()
    assert local_status == 1 and "bad.json" in local_err
    assert len(expected["Document"]) == len(ARTICLES) and expected["Statement"]
    call_command("flush", interactive=False, verbosity=0)

    out, err, status = ingest(folder, "--queue", "--wait", "--timeout", "240")

    assert status == local_status == 1
    assert "bad.json: malformed JSON" in err  # reported exactly as locally, once
    assert err.count("bad.json") == 1
    assert database_snapshot() == expected
    assert report_figures(out) == report_figures(local_out)
    run = models.IngestRun.objects.get()
    progress = ingest_run_progress(run=run)
    assert (progress.inputs, progress.queued, progress.created, progress.failed) == (6, 5, 5, 1)
    assert progress.pending == progress.unchanged == 0 and progress.finished
    stored = run.items.filter(queued=True)
    assert {item.sha256 for item in stored} == {
        models.Document.objects.get(pk=item.document_id).sha256 for item in stored
    }
    assert all(item.attempts == 0 and item.worker for item in stored)

    # Queued again: every text is already stored, so nothing is sent and nothing changes.
    again_out, _, again_status = ingest(folder, "--queue", "--wait", "--timeout", "60")
    assert again_status == 1
    assert database_snapshot() == expected
    again = ingest_run_progress(run=models.IngestRun.objects.order_by("-id").first())
    assert (again.queued, again.unchanged, again.failed, again.finished) == (0, 5, 1, True)
    assert "documents unchanged     5" in again_out

    status_out = io.StringIO()
    call_command("ingest_status", str(run.pk), stdout=status_out)
    assert f"Ingest run {run.pk} (finished): 6 of 6" in status_out.getvalue()
    assert report_figures(status_out.getvalue()) == report_figures(local_out)


def test_a_failing_document_is_retried_with_backoff_then_recorded_as_failed(redis_worker):
    # A date no calendar has: the store step fails on it every time, as it would on a
    # document whose write breaks.
    item, _ = _queued_item(SourceDocument("undated.txt", ARTICLES["e.txt"]), published="2024-02-31")
    assert ingest_run_requeue(run=item.run) == 1  # sent as ingest_enqueue sends it
    run_finished_wait(item.run_id, [redis_worker])

    item.refresh_from_db()
    assert item.state == "failed" and item.attempts == 3  # the first try and 2 retries
    assert item.reason.startswith("could not store:") and "out of range" in item.reason
    assert not models.Document.objects.exists()
    assert redis_worker.log_tail().count("Retry in") == 2
    assert ingest_run_progress(run=item.run).failed == 1
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 input"):
        call_command("ingest_status", str(item.run_id), "--wait", stdout=out, stderr=err)
    assert err.getvalue().startswith("undated.txt: could not store:")
    assert "documents failed        1" in out.getvalue()


@pytest.fixture(params=["redis", "rabbitmq"])
def any_queue(request, transactional_db, settings):
    """A queue of the test's own on each broker in turn: (broker URL, queue name)."""
    postgres_require()
    url = {"redis": REDIS_URL, "rabbitmq": RABBITMQ_URL}[request.param]
    broker_require(url)
    name = queue_name()
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_DEFAULT_QUEUE = url, name
    yield url, name
    queue_delete(url, name)


def long_article() -> str:
    """An article that takes a worker a second or more: time to kill it in the middle."""
    paragraphs = [
        f"{text}\n\nParagraph {index} of the long report."
        for index, text in enumerate(list(ARTICLES.values())[2:] * 40)
    ]
    return "\n\n".join(paragraphs)


def test_a_worker_killed_mid_task_leaves_every_document_stored_once(any_queue, tmp_path):
    broker, queue = any_queue
    articles = {
        f"a{index}-{name}": f"{text}\n\nReport number {index}."
        for index in range(2)
        for name, text in ARTICLES.items()
    }
    articles["b-long.txt"] = long_article()
    folder = corpus_write(tmp_path / "corpus", articles)
    first = Worker(broker, queue).start()
    second = Worker(broker, queue)
    try:
        _, err, status = ingest(str(folder), "--queue")
        assert status == 0, err
        run = models.IngestRun.objects.get()
        long_item = run.items.get(path__endswith="b-long.txt")
        started = run.items.filter(pk=long_item.pk, state="pending", started_at__isnull=False)
        deadline = time.monotonic() + 180
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        first.kill()
        long_item.refresh_from_db()
        assert long_item.started_at and long_item.state == "pending", "killed mid-task"
        killed_in = long_item.worker
        assert 0 < ingest_run_progress(run=run).settled < len(articles)
        if broker == REDIS_URL:
            # Redis hands a dead worker's unacknowledged task out again once its visibility
            # timeout has passed (RabbitMQ as soon as the connection drops).
            time.sleep(VISIBILITY_TIMEOUT + 1)
        second.start()
        run_finished_wait(run.pk, [second])
    finally:
        first.stop()
        second.stop()

    progress = ingest_run_progress(run=run)
    assert progress.created == len(articles) and progress.failed == progress.pending == 0
    long_item.refresh_from_db()
    assert long_item.worker and long_item.worker != killed_in  # redelivered, done elsewhere
    expected = {text_sha256(source.text) for source in sources_read([str(folder)])}
    assert len(expected) == len(articles)
    assert set(models.Document.objects.values_list("sha256", flat=True)) == expected
    # The rows in the database are exactly those the items say they created: nothing
    # stored twice, nothing stored without its item.
    claimed = sum(item.counts["statements"] for item in run.items.all())
    assert models.Statement.objects.count() == claimed > 0


def test_the_admin_reextract_action_enqueues_with_a_broker(redis_worker, admin_client, tmp_path):
    _, _, status = ingest(str(corpus_write(tmp_path / "corpus", ARTICLES)))
    assert status == 0
    documents = list(models.Document.objects.order_by("pk")[:2])
    before = {d.pk: d.statements.count() for d in documents}

    response = admin_client.post(
        reverse("admin:statements_document_changelist"),
        {"action": "reextract_selected", "_selected_action": [d.pk for d in documents]},
        follow=True,
    )

    page = response.content.decode()
    run = models.IngestRun.objects.get()
    assert "Queued 2 document(s) for re-extraction" in page and f"ingest run {run.pk}" in page
    assert run.force and ingest_run_progress(run=run).queued == 2
    run_finished_wait(run.pk, [redis_worker])
    progress = ingest_run_progress(run=run)
    assert progress.re_extracted == 2 and progress.failed == 0
    assert {d.pk: d.statements.count() for d in documents} == before
    page = admin_client.get(reverse("admin:statements_ingestrun_change", args=[run.pk]))
    assert page.status_code == 200 and "re-extracted" in page.content.decode()


def test_a_stalled_run_is_sent_again_and_finishes(redis_worker):
    item, _ = _queued_item(SourceDocument("lost.txt", ARTICLES["d.txt"]))
    # Its message never reached the broker, as when Redis loses one to a killed worker.
    out = io.StringIO()
    call_command("ingest_status", str(item.run_id), "--requeue", stdout=out)
    assert "1 pending document(s) sent again" in out.getvalue()
    run_finished_wait(item.run_id, [redis_worker])
    item.refresh_from_db()
    assert item.state == "created" and item.payload == {}
    out = io.StringIO()
    call_command("ingest_status", str(item.run_id), "--requeue", stdout=out)
    assert "0 pending document(s) sent again" in out.getvalue()


def _queued_messages(url: str, queue: str) -> list[dict]:
    """The task messages waiting in ``queue`` (taken off it), as the worker would get them."""
    from kombu import Connection

    messages = []
    with Connection(url, connect_timeout=3) as connection:
        waiting = connection.SimpleQueue(queue)
        while True:
            try:
                message = waiting.get(timeout=1)
            except waiting.Empty:
                break
            messages.append({"kwargs": message.payload[1], "headers": message.headers})
            message.ack()
        waiting.close()
    return messages


def test_a_batch_whose_worker_was_lost_goes_on_one_document_per_task(redis_queue, settings):
    from statements.tasks import ingest_items_task

    first, _ = _queued_item(SourceDocument("a.txt", ARTICLES["a.txt"]))
    planned = document_plan(SourceDocument("b.txt", ARTICLES["b.txt"]))
    second = models.IngestRunItem.objects.create(
        run=first.run, path="b.txt", sha256=planned.sha256, queued=True, payload=planned.to_json()
    )
    # A worker began the batch and was lost: neither document stored, no failure recorded.
    models.IngestRunItem.objects.filter(pk__in=[first.pk, second.pk]).update(deliveries=1)

    assert ingest_items_task.apply(kwargs=_task_payload(first, second)).get() == [None, None]

    assert not models.Document.objects.exists()  # nothing parsed in this delivery
    messages = _queued_messages(REDIS_URL, redis_queue)
    sent = [[entry["item_id"] for entry in m["kwargs"]["items"]] for m in messages]
    assert sent == [[first.pk], [second.pk]]
    # Each goes with one document's time limits.
    limit = settings.KB_QUEUE_DOCUMENT_TIME_LIMIT
    assert all(m["headers"]["timelimit"] == [limit + 30, limit] for m in messages)


def test_a_document_over_its_time_limit_fails_and_its_batch_goes_on(redis_queue, settings):
    settings.KB_QUEUE_DOCUMENT_TIME_LIMIT = 1
    worker = Worker(REDIS_URL, redis_queue, KB_QUEUE_DOCUMENT_TIME_LIMIT="1").start()
    try:
        small = [SourceDocument(name, ARTICLES[name]) for name in ("a.txt", "c.txt")]
        # About 36,000 words: several seconds of parsing on any machine, more than the
        # whole batch's limit (3 s) and ten times a document's.
        huge = SourceDocument("huge.txt", "\n\n".join([long_article()] * 12))
        run = ingest_enqueue(sources=[small[0], huge, small[1]])
        run_finished_wait(run.pk, [worker], timeout=300)
    finally:
        worker.stop()
    states = dict(run.items.values_list("path", "state"))
    assert states == {"a.txt": "created", "huge.txt": "failed", "c.txt": "created"}
    failed = run.items.get(path="huge.txt")
    assert "did not finish it in 1 s" in failed.reason
    assert sorted(models.Document.objects.values_list("source_path", flat=True)) == [
        "a.txt",
        "c.txt",
    ]


# ------------------------------------------------------------------- without a broker


def test_queue_needs_a_broker(db, settings, tmp_path):
    settings.CELERY_BROKER_URL = ""
    folder = str(corpus_write(tmp_path / "corpus", ARTICLES))
    _, err, status = ingest(folder, "--queue")
    assert status == 1 and "no broker configured: set CELERY_BROKER_URL" in err
    assert not models.IngestRun.objects.exists() and not models.Document.objects.exists()


def test_an_unreachable_broker_is_an_error_before_anything_is_recorded(db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nobody there
    with pytest.raises(BrokerUnavailable, match="does not answer"):
        ingest_enqueue(sources=[SourceDocument("a.txt", ARTICLES["a.txt"])])
    assert not models.IngestRun.objects.exists()


def test_wait_and_dry_run_are_refused_where_they_do_not_apply(db, tmp_path):
    folder = str(corpus_write(tmp_path / "corpus", ARTICLES))
    assert "--wait goes with --queue" in ingest(folder, "--wait")[1]
    assert "--dry-run runs locally" in ingest(folder, "--queue", "--dry-run")[1]


# ------------------------------------------- the task's body, run by Celery in this process


def test_a_redelivered_task_is_a_no_op(db):
    from statements.tasks import ingest_items_task

    item, payload = _queued_item(SourceDocument("a.txt", ARTICLES["c.txt"]))
    assert ingest_items_task.apply(kwargs=payload).get() == ["created"]
    statements = models.Statement.objects.count()
    # The broker hands the same message out again (its worker died before acknowledging).
    assert ingest_items_task.apply(kwargs=payload).get() == [None]
    assert models.Document.objects.count() == 1
    assert models.Statement.objects.count() == statements > 0
    item.refresh_from_db()
    assert item.state == "created" and item.counts["statements"] == statements
    assert item.run.finished_at is not None


def test_a_batch_redelivered_after_some_of_it_was_stored_stores_only_the_rest(db):
    from statements.tasks import ingest_items_task

    stored, _ = _queued_item(SourceDocument("a.txt", ARTICLES["a.txt"]))
    ingest_items_task.apply(kwargs=_task_payload(stored)).get()
    stored_rows = models.Statement.objects.filter(document__source_path="a.txt").count()
    planned = document_plan(SourceDocument("b.txt", ARTICLES["b.txt"]))
    rest = models.IngestRunItem.objects.create(
        run=stored.run, path="b.txt", sha256=planned.sha256, queued=True, payload=planned.to_json()
    )
    # The first document of the batch was stored before its worker died; the batch comes back.
    models.IngestRun.objects.filter(pk=stored.run_id).update(finished_at=None)

    assert ingest_items_task.apply(kwargs=_task_payload(stored, rest)).get() == [None, "created"]

    assert models.Document.objects.count() == 2
    assert models.Statement.objects.filter(document__source_path="a.txt").count() == stored_rows
    rest.refresh_from_db()
    assert rest.state == "created" and rest.counts["statements"] > 0
    assert models.Statement.objects.count() == stored_rows + rest.counts["statements"]
    assert models.IngestRun.objects.get(pk=stored.run_id).finished_at is not None


def test_one_failing_document_of_a_batch_does_not_hold_the_others_back(db, settings):
    from statements.tasks import ingest_items_task

    settings.KB_QUEUE_MAX_RETRIES = 1
    good, _ = _queued_item(SourceDocument("good.txt", ARTICLES["d.txt"]))
    bad, _ = _queued_item(SourceDocument("bad.txt", ARTICLES["e.txt"]), published="2024-02-31")
    ingest_items_task.apply(kwargs=_task_payload(bad, good))  # retried at once here
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.state, good.attempts) == ("created", 0)
    assert (bad.state, bad.attempts) == ("failed", 2) and "out of range" in bad.reason
    assert list(models.Document.objects.values_list("source_path", flat=True)) == ["good.txt"]


def test_a_document_whose_worker_was_lost_again_and_again_is_recorded_as_failed(db, settings):
    from statements.tasks import ingest_items_task

    settings.KB_QUEUE_MAX_RETRIES = 3
    item, payload = _queued_item(SourceDocument("a.txt", ARTICLES["a.txt"]))
    # Three workers began it and none came back (each killed: memory, time limit).
    models.IngestRunItem.objects.filter(pk=item.pk).update(deliveries=3)

    assert ingest_items_task.apply(kwargs=payload).get() == ["failed"]

    item.refresh_from_db()
    assert item.state == "failed" and "worker was lost 3 times" in item.reason
    assert not models.Document.objects.exists()
    assert item.run.finished_at is not None


def test_a_document_lost_fewer_times_is_parsed_again(db, settings):
    from statements.tasks import ingest_items_task

    settings.KB_QUEUE_MAX_RETRIES = 3
    item, payload = _queued_item(SourceDocument("a.txt", ARTICLES["a.txt"]))
    models.IngestRunItem.objects.filter(pk=item.pk).update(deliveries=2)

    assert ingest_items_task.apply(kwargs=payload).get() == ["created"]
    item.refresh_from_db()
    assert (item.state, item.deliveries) == ("created", 3)


def test_an_attempt_that_raised_is_counted_as_an_attempt_not_a_lost_worker(db, settings):
    from statements.services.ingest_queue import run_items_failed
    from statements.tasks import ingest_items_task

    settings.KB_QUEUE_MAX_RETRIES = 3
    item, payload = _queued_item(SourceDocument("a.txt", ARTICLES["a.txt"]))
    # Three deliveries began it and each raised outside the engine (the database went
    # away), and each recorded its attempt before asking for a retry.
    models.IngestRunItem.objects.filter(pk=item.pk).update(deliveries=3)
    for _ in range(3):
        run_items_failed(item_ids=[item.pk], reason="OperationalError: gone", final=False)

    assert ingest_items_task.apply(kwargs=payload).get() == ["created"]
    item.refresh_from_db()
    assert (item.state, item.attempts, item.deliveries) == ("created", 3, 4)


def test_a_second_run_of_the_same_text_is_unchanged(db):
    from statements.tasks import ingest_items_task

    _, first = _queued_item(SourceDocument("a.txt", ARTICLES["c.txt"]))
    item, second = _queued_item(SourceDocument("copy.txt", ARTICLES["c.txt"]))
    ingest_items_task.apply(kwargs=first).get()
    # Planned before the first was stored: the store step finds the text and does nothing.
    assert ingest_items_task.apply(kwargs=second).get() == ["unchanged"]
    item.refresh_from_db()
    assert item.state == "unchanged" and item.document_id is not None
    assert models.Document.objects.count() == 1


def test_failures_are_retried_then_recorded(db, settings):
    from statements.tasks import ingest_items_task

    settings.KB_QUEUE_MAX_RETRIES = 2
    item, payload = _queued_item(SourceDocument("a.txt", ARTICLES["c.txt"]), published="2024-02-31")
    ingest_items_task.apply(kwargs=payload)  # Celery runs the retries at once here
    item.refresh_from_db()
    assert (item.state, item.attempts) == ("failed", 3)
    assert "out of range" in item.reason
    assert item.run.finished_at is not None and not models.Document.objects.exists()


def test_a_worker_process_loads_the_pipeline_once():
    from django.conf import settings

    from statements.tasks import _pipeline_preload, _pipeline_preload_before_fork, worker_pipeline

    worker_pipeline.cache_clear()
    _pipeline_preload_before_fork()  # worker_init, in the main process before the fork
    _pipeline_preload()  # worker_process_init, in each pool process: already there
    assert worker_pipeline(settings.KB_SPACY_MODEL) is worker_pipeline(settings.KB_SPACY_MODEL)
    assert worker_pipeline.cache_info().misses == 1
