"""``svidok inquiry``: staff work on family inquiries with the organisation's private key.

The private key is stored in the database encrypted under a passphrase; these commands ask for the passphrase
(or read one line of stdin with ``--passphrase-stdin``) and open the key in this process only. The web server
never holds it.
"""
from __future__ import annotations

import datetime as dt
import sys

import click
import nacl.pwhash
from sqlalchemy import select

KDF = {"moderate": (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE),
       "sensitive": (nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE, nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE),
       "interactive": (nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE)}
passphrase_stdin = click.option("--passphrase-stdin", is_flag=True,
                                help="Read the passphrase from the first line of standard input.")


def _database():
    from archive_schema.db import connect
    from archive_schema.settings import Settings

    return connect(Settings.from_env(), upgrade=True)


def _passphrase(from_stdin: bool, confirm: bool = False) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("passphrase", hide_input=True, confirmation_prompt=confirm)


@click.group()
def inquiry() -> None:
    """Family inquiries: the organisation's key, reading inquiries, answering families."""


@inquiry.command("keygen")
@passphrase_stdin
@click.option("--kdf", type=click.Choice(list(KDF)), default="moderate", show_default=True,
              help="Cost of the passphrase hash (argon2id): moderate ~0.5 s and 256 MiB.")
def keygen(passphrase_stdin: bool, kdf: str) -> None:
    """Make the organisation's key pair; new inquiries are sealed to it (older keys still open older ones)."""
    from archive_schema import audit, inquiries

    from .users import current_name

    passphrase = _passphrase(passphrase_stdin, confirm=True)
    opslimit, memlimit = KDF[kdf]
    database = _database()
    try:
        with database.sessions.begin() as session:
            key = inquiries.create_key(session, passphrase, opslimit=opslimit, memlimit=memlimit)
            audit.record(session, "inquiry.keygen", actor=current_name(), object_type="inquiry_key",
                         object_id=key.id)
    except inquiries.InquiryKeyError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        database.dispose()
    click.echo(f"inquiry key {key.id} made; keep the passphrase safe: without it no inquiry can be read")


@inquiry.command("list")
@click.option("--status", type=click.Choice(["received", "in_progress", "information", "closed"]))
def list_(status: str | None) -> None:
    """Inquiries, newest first: id, status, dates (no contents: see `svidok inquiry show`)."""
    from archive_schema.inquiries import Inquiry

    database = _database()
    try:
        with database.reader() as session:
            query = select(Inquiry).order_by(Inquiry.created_on.desc(), Inquiry.id.desc())
            if status:
                query = query.where(Inquiry.status == status)
            rows = list(session.scalars(query))
    finally:
        database.dispose()
    for row in rows:
        click.echo(f"{row.id}  {row.status:<12} filed {row.created_on}  updated {row.updated_on}")
    click.echo(f"{len(rows)} inquir{'y' if len(rows) == 1 else 'ies'}")


def _find(session, inquiry_id: str):
    from archive_schema.inquiries import Inquiry

    found = session.get(Inquiry, inquiry_id)
    if found is None:
        raise click.ClickException(f"no inquiry with id {inquiry_id}")
    return found


def _unlock(session, passphrase: str):
    from archive_schema import inquiries

    try:
        return inquiries.unlock(session, passphrase)
    except inquiries.InquiryKeyError as exc:
        raise click.ClickException(str(exc)) from None


@inquiry.command("show")
@click.argument("inquiry_id")
@passphrase_stdin
def show(inquiry_id: str, passphrase_stdin: bool) -> None:
    """Open an inquiry: what the family wrote, the messages, and who in the registry and the evidence matches."""
    from archive_schema import audit, inquiries
    from ingest.registry import match_persons

    from .registry import describe
    from .users import current_name

    passphrase = _passphrase(passphrase_stdin)
    database = _database()
    try:
        with database.sessions.begin() as session:
            found = _find(session, inquiry_id)
            keys = _unlock(session, passphrase)
            try:
                contents = inquiries.open_contents(found, keys)
            except inquiries.InquiryKeyError as exc:
                raise click.ClickException(str(exc)) from None
            shown = inquiries.messages(session, found, keys[found.key_id], staff=True)
            born = dt.date.fromisoformat(contents.birth_date) if contents.birth_date else None
            matches = match_persons(session, contents.relative_name, born)
            audit.record(session, "inquiry.read", actor=current_name(), object_type="inquiry", object_id=found.id)
            click.echo(f"inquiry {found.id}: {found.status}, filed {found.created_on}, updated {found.updated_on}")
            click.echo(f"  relative:      {contents.relative_name}")
            click.echo(f"  category:      {contents.category}")
            click.echo(f"  born:          {contents.birth_date or '-'}")
            click.echo(f"  last known at: {contents.last_known_place or '-'}")
            click.echo(f"  circumstances: {contents.circumstances or '-'}")
            click.echo(f"  contact:       {contents.contact_preference}"
                       + (f": {contents.contact}" if contents.contact else ""))
            click.echo("matches:" if matches else "matches: none in the registry or the evidence")
            for kind, how, row in matches:
                click.echo(f"  {describe(kind, how, row)}")
            for m in shown:
                status = f" [status: {m.status}]" if m.status else ""
                click.echo(f"#{m.seq} {m.on} {m.author}{status}: {m.text}")
    finally:
        database.dispose()


@inquiry.command("reply")
@click.argument("inquiry_id")
@click.option("--status", type=click.Choice(["received", "in_progress", "information", "closed"]))
@click.option("--message", default="", help="What the family will read (sealed to their key).")
@passphrase_stdin
def reply(inquiry_id: str, status: str | None, message: str, passphrase_stdin: bool) -> None:
    """Set the inquiry's status and/or send the family a message. The passphrase proves you hold the key."""
    from archive_schema import inquiries

    from .users import current_name

    if not status and not message.strip():
        raise click.UsageError("give --status, --message or both")
    passphrase = _passphrase(passphrase_stdin)
    database = _database()
    try:
        with database.sessions.begin() as session:
            found = _find(session, inquiry_id)
            _unlock(session, passphrase)
            posted = inquiries.post_update(session, found, author="staff", text=message.strip(), status=status,
                                           actor=current_name())
            click.echo(f"inquiry {found.id}: update #{posted.seq}, status {found.status}")
    finally:
        database.dispose()
