"""``svidok keys``: the master key that wraps every data key (encryption at rest)."""
from __future__ import annotations

import collections
import json
import secrets

import click

from archive_schema import keys


def _settings():
    from archive_schema.settings import Settings

    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("keys")
def keys_group() -> None:
    """The master key (encryption at rest of blobs and page text)."""


@keys_group.command("generate")
def keys_generate() -> None:
    """Print a new random master key (base64), for SVIDOK_MASTER_KEY or a key file. Stores nothing."""
    click.echo(keys.format_key(secrets.token_bytes(keys.KEY_BYTES)))


@keys_group.command("status")
@click.option("--json", "as_json", is_flag=True)
def keys_status(as_json: bool) -> None:
    """Which master key is in use, and how many blobs each key wraps (or are stored in plain)."""
    from archive_schema.blobs import open_blobs

    settings = _settings()
    try:
        ring = keys.load_keyring(settings)
    except keys.KeyProblem as exc:
        raise click.ClickException(str(exc)) from None
    store = open_blobs(settings)
    counts = collections.Counter(store.key_id_of(sha256) or "plain" for sha256 in store)
    source = "SVIDOK_MASTER_KEY" if settings.master_key else str(keys.default_key_file(settings))
    report = {"master_key_id": ring.current_id.hex(), "source": source, "blobs": dict(counts),
              "rotation_pending": keys.next_key_file(settings).exists()}
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"master key {report['master_key_id']} (from {source})")
    for kid, n in sorted(counts.items()):
        click.echo(f"  blobs under {kid}: {n}")
    if report["rotation_pending"]:
        click.echo("a rotation was interrupted: run `svidok keys rotate` again")


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Replace the master key: rewrap every data key under a new one (blob bodies untouched).

    Stop `svidok serve` and workers first. The old key is kept in keys/retired/ for older backups.
    """
    from archive_schema.blobs import open_blobs
    from archive_schema.db import connect

    from .users import current_name

    settings = _settings()
    try:
        database = connect(settings, upgrade=True)
        try:
            done = keys.rotate(settings, database, open_blobs(settings), actor=current_name())
        finally:
            database.dispose()
    except keys.KeyProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"master key {done.old_id} -> {done.new_id}: {done.blobs} blob(s) and {done.data_keys} data "
               f"key(s) rewrapped; the old key is in {done.retired} (delete it when no backup needs it)")
