"""``svidok backup PATH`` and ``svidok restore PATH``: snapshots of database + blobs, verified by hashes."""
from __future__ import annotations

from pathlib import Path

import click

from archive_schema.backup import BackupError, backup as make_backup, restore as restore_backup
from archive_schema.search import SearchError
from archive_schema.settings import Settings


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
def backup(path: Path) -> None:
    """Write a consistent snapshot of the database and the blobs into PATH (a new folder).

    Every file's SHA-256 goes into PATH/manifest.json. Keys are not copied: keep SVIDOK_MASTER_KEY (or its key
    file) apart from the backup; the manifest names the key ids the blobs need.
    """
    try:
        report = make_backup(_settings(), path, actor="cli")
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(report.tables.values())
    click.echo(f"backup written to {report.path}: {rows} rows in {len(report.tables)} tables, {report.blobs} blobs, "
               f"{report.files} files, {report.bytes / 2**20:.1f} MiB")
    if report.key_ids:
        click.echo(f"restoring it needs the master key(s): {', '.join(report.key_ids)} (not in the backup)")


@click.command()
@click.argument("path", type=click.Path(path_type=Path, exists=True, file_okay=False))
def restore(path: Path) -> None:
    """Restore the backup in PATH into an empty archive (empty database, blob store and home).

    Every file is checked against the manifest's SHA-256 before anything is written; then the rows, the
    blobs, and a search index rebuilt from them.
    """
    settings = _settings()
    try:
        report = restore_backup(settings, path, actor="cli")
    except BackupError as exc:
        raise click.ClickException(f"restore refused: {exc}") from None
    except SearchError as exc:  # the rows and blobs are in; only the derived index is missing
        raise click.ClickException(f"restored, but the search index could not be rebuilt ({exc}); "
                                   "run `svidok reindex` when the search server is back") from None
    click.echo(f"restored from {report.path}: {sum(report.tables.values())} rows, {report.blobs} blobs; "
               f"search index rebuilt: {report.indexed_pages} pages")
