"""Celery: the pipeline's stages as tasks.

The embedded default broker is kombu's SQLAlchemy transport on a SQLite file in ``SVIDOK_HOME`` (no server to
install); ``SVIDOK_BROKER_URL=redis://…`` or ``amqp://…`` for scale. Tasks take ids, re-read everything, and
are idempotent (stage runs are keyed by sha256, stage and version), so ``acks_late`` redelivery after a worker
crash is safe.
"""
from __future__ import annotations

from celery import Celery, signals

from archive_schema.settings import Settings

from .pipeline import Context, deliver, index_pending, process, recover

celery = Celery("svidok")
celery.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_ignore_result=True,
    worker_prefetch_multiplier=1,
    task_default_queue="svidok",
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

_ctx: Context | None = None


def configure(settings: Settings) -> Celery:
    """Point the app at the settings' broker. Called by the CLI before sending or working."""
    if settings.broker_url.startswith("sqla+sqlite"):
        settings.ensure_home()
    celery.conf.update(broker_url=settings.broker_url, svidok_settings=settings)
    return celery


def context() -> Context:
    """One pipeline context per worker process, opened on first use."""
    global _ctx
    if _ctx is None:
        settings = celery.conf.get("svidok_settings") or Settings.from_env()
        _ctx = Context.open(settings)
    return _ctx


@signals.worker_process_shutdown.connect
def _close(**_):
    global _ctx
    if _ctx is not None:
        _ctx.close()
        _ctx = None


@celery.task(name="svidok.process_item", acks_late=True)
def process_item(item_id: str) -> str:
    ctx = context()
    state = process(ctx, item_id)
    deliver(ctx, send)  # members found inside (ZIP, e-mail) were promised in the outbox: queue them
    index_items.apply_async(countdown=1)  # one index write for many items finishing together
    return state


@celery.task(name="svidok.index", acks_late=True)
def index_items() -> int:
    """Write promised index entries; a no-op when another task already wrote them."""
    return index_pending(context())


def send(item_id: str) -> None:
    process_item.delay(item_id)


@celery.task(name="svidok.recover")
def recover_task() -> int:
    ctx = context()
    count = recover(ctx, send)
    index_pending(ctx)
    return count
