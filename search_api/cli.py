"""The ``svidok`` command: one click group, nouns as subgroups, thin commands; the docstring is the help."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from sqlalchemy import func, select

from archive_schema import audit as audit_chain
from archive_schema.db import connect, current_revision, head_revision, upgrade_schema
from archive_schema.models import EvidenceItem, Outbox, StageRun
from archive_schema.settings import Settings


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def cli(verbose: bool) -> None:
    """svidok: an evidence archive and search engine for human-rights litigation."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


# --- database ---------------------------------------------------------------------------------------------------

@cli.group()
def db() -> None:
    """The SQL database (the system of record)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations."""
    database = connect(load_settings())
    before = current_revision(database)
    upgrade_schema(database)
    click.echo(f"database at revision {head_revision()} (was {before or 'empty'})")


# --- ingest -----------------------------------------------------------------------------------------------------

@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--collection", help="Collection for items the metadata does not place elsewhere.")
@click.option("--meta", "meta_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Metadata sidecar (CSV or JSON) for the files, instead of metadata.csv/json beside them.")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON object: {ok, duplicate, failed, …}.")
@click.option("--queue", is_flag=True, help="Store the files and leave processing to `svidok worker`s.")
def ingest(paths: tuple[Path, ...], collection: str | None, meta_file: Path | None, as_json: bool,
           queue: bool) -> None:
    """Store files, folders and ZIPs as evidence and extract their text.

    Exit status 0 only when nothing failed. A failed file keeps its original; the reason is printed.
    """
    from ingest.bulk import ingest_paths
    from ingest.metadata import MetadataError
    from ingest.pipeline import Context

    settings = load_settings()
    ctx = Context.open(settings)
    sender = None
    if queue:
        from ingest import tasks

        tasks.configure(settings)
        sender = tasks.send
    show_bar = sys.stderr.isatty() and not as_json
    bar = None

    def progress(n: int, total: int, name: str) -> None:
        nonlocal bar
        if show_bar:
            if bar is None:
                bar = click.progressbar(length=total, label="ingesting", file=sys.stderr, show_pos=True,
                                        item_show_func=lambda _: None)
                bar.__enter__()
            bar.update(1)
    try:
        summary = ingest_paths(ctx, list(paths), collection=collection, meta_file=meta_file, queue=sender,
                               progress=progress)
    except MetadataError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        ctx.close()
    if as_json:
        click.echo(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        click.echo(f"stored and processed: {summary.ok}" + (f" ({summary.needs_ocr} wait for OCR)"
                                                             if summary.needs_ocr else ""))
        if summary.queued:
            click.echo(f"queued for workers: {summary.queued}")
        click.echo(f"duplicates (already in the archive): {summary.duplicate}")
        click.echo(f"failed: {len(summary.failed)}")
        for failure in summary.failed:
            click.echo(f"  {failure['path']}: {failure['reason']}")
    sys.exit(1 if summary.failed else 0)


# --- status and audit -------------------------------------------------------------------------------------------

@cli.command()
@click.option("--json", "as_json", is_flag=True)
def status(as_json: bool) -> None:
    """Counts of items per state and stage runs per state."""
    database = connect(load_settings(), upgrade=True)
    with database.reader() as session:
        items = dict(session.execute(select(EvidenceItem.state, func.count()).group_by(EvidenceItem.state)).all())
        stages = {f"{stage}:{state}": n for stage, state, n in session.execute(
            select(StageRun.stage, StageRun.state, func.count()).group_by(StageRun.stage, StageRun.state))}
        pending = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.delivered_at.is_(None)))
    report = {"items": items, "stages": stages, "outbox_pending": pending, "total": sum(items.values())}
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"items: {report['total']}")
    for state, n in sorted(items.items()):
        click.echo(f"  {state:<12} {n}")
    for key, n in sorted(stages.items()):
        click.echo(f"  stage {key:<20} {n}")
    click.echo(f"outbox pending: {pending}")


@cli.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option("--anchors", "anchor_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also check the chain against the heads recorded by `svidok audit anchor` in this file.")
def audit_verify(anchor_file: Path | None) -> None:
    """Re-check the audit hash chain; exit 1 and name the first bad event if it is broken."""
    anchors = []
    if anchor_file is not None:
        try:
            with anchor_file.open(encoding="utf-8") as fh:
                anchors = audit_chain.read_anchors(fh)
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"{anchor_file}: {exc}") from None
    database = connect(load_settings(), upgrade=True)
    with database.reader() as session:
        count, broken = audit_chain.verify_chain(session)
        problems = audit_chain.check_anchors(session, anchors)
    if broken:
        raise click.ClickException(f"audit chain broken at {broken} ({count} events before it hold)")
    if problems:
        raise click.ClickException("audit chain does not match its anchors: " + "; ".join(problems[:5]))
    click.echo(f"audit chain intact: {count} events" + (f", {len(anchors)} anchors hold" if anchors else ""))


@audit.command("anchor")
@click.argument("anchor_file", type=click.Path(dir_okay=False, path_type=Path))
def audit_anchor(anchor_file: Path) -> None:
    """Append the chain's head (sequence number and hash) to ANCHOR_FILE, a file kept outside the database
    (another machine, write-once storage, a printout). Run it periodically, e.g. from cron; `svidok audit verify
    --anchors ANCHOR_FILE` then detects a chain rewritten wholesale, which the chain alone cannot show."""
    database = connect(load_settings(), upgrade=True)
    with database.reader() as session:
        head = audit_chain.head(session)
    if head is None:
        raise click.ClickException("the audit chain is empty: nothing to anchor")
    with anchor_file.open("a", encoding="utf-8") as fh:
        fh.write(head.line() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    click.echo(f"anchored event #{head.seq} {head.hash} in {anchor_file}")


# --- serving and working ----------------------------------------------------------------------------------------

@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("SVIDOK_PORT", 5000)),
              help="Port (default: $SVIDOK_PORT or 5000).")
@click.option("--worker/--no-worker", default=True,
              help="With the embedded broker, also run a worker process (default on).")
@click.option("--threads", default=8, show_default=True)
def serve(host: str, port: int, worker: bool, threads: int) -> None:
    """Serve the web interface and the API."""
    from gunicorn.app.base import BaseApplication

    from search_api import create_app

    settings = load_settings()
    connect(settings, upgrade=True).dispose()
    child = None
    if worker and settings.broker_is_embedded:
        child = subprocess.Popen([sys.executable, "-m", "search_api.cli", "worker", "--concurrency", "1"])

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 300)

        def load(self):
            # with the embedded broker and no worker of our own, nobody would take queued work: run it inline
            inline = settings.broker_is_embedded and not worker
            return create_app(settings, processing="inline" if inline else "queue")

    click.echo(f"svidok serving on http://{host}:{port}/ (API at /api/v1/items)")
    try:
        Server().run()
    finally:
        if child is not None:
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=30)


@cli.command()
@click.option("--concurrency", type=int, default=None, help="Worker processes (default: CPU cores).")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker processing the ingest pipeline's tasks."""
    from ingest import tasks

    settings = load_settings()
    connect(settings, upgrade=True).dispose()
    app = tasks.configure(settings)
    argv = ["worker", f"--loglevel={loglevel}", "-Q", "svidok", "--without-gossip", "--without-mingle"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    if settings.broker_is_embedded:
        argv.append("--pool=solo" if (concurrency or 1) == 1 else "--pool=prefork")
    app.send_task("svidok.recover")  # finish whatever a crash left behind
    app.worker_main(argv)


# --- demo -------------------------------------------------------------------------------------------------------

@cli.group()
def demo() -> None:
    """The fictional demo corpus."""


@demo.command("generate")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--seed", default=7, show_default=True)
def demo_generate(out: Path, seed: int) -> None:
    """Write the fictional demo corpus (PDF, DOCX, TXT, HTML, EML, ZIP, broken files) into OUT."""
    from ingest.demo_corpus import generate

    files = generate(out, seed=seed)
    click.echo(f"{len(files)} files in {out}")


from search_api.commands import register as _register; _register(cli)  # noqa: E402,E702 (entity, reprocess, eval-nlp)


def main() -> None:
    cli(prog_name="svidok")


if __name__ == "__main__":
    main()
