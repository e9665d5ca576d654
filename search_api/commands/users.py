"""``svidok user …`` (accounts and tokens), ``--as USER``, and the policy check every command passes.

Who acts: ``--as USER`` (or ``SVIDOK_USER``) makes a command act as that user, through the same policy as the
web: a lawyer's script run with ``--as`` cannot read what the lawyer may not. Without it, the command acts as
the local operator: whoever can run ``svidok`` against ``SVIDOK_HOME`` can read its database and blobs anyway,
so the operator may do everything and the audit records them as ``cli:<login name>``. ``--as`` narrows what a
command may do; it is not a way to prove who you are.

``COMMAND_ACTIONS`` names the policy action of every command by its path (``"user add"``). A command missing
from it is refused to ``--as`` users (deny by default) and fails ``tests/security``'s matrix. A command taking a
``case_id`` argument is also checked against that case (membership), one taking an ``item_id`` against the
item's visibility.
"""
from __future__ import annotations

import functools
import json
import secrets
import sys
from typing import Any, Callable

import click

from archive_schema import accounts, audit, policy
from archive_schema.models import Case, EvidenceItem
from archive_schema.settings import Settings

P = policy
#: every command's action, by its path under ``svidok``
COMMAND_ACTIONS: dict[str, str] = {
    "db upgrade": P.SYSTEM, "ingest": P.ITEM_UPLOAD, "status": P.STATUS_READ, "audit verify": P.AUDIT_VERIFY,
    "serve": P.SYSTEM, "worker": P.SYSTEM, "demo generate": P.SYSTEM, "backup": P.SYSTEM, "restore": P.SYSTEM,
    "reprocess": P.SYSTEM, "eval-nlp": P.SYSTEM, "reindex": P.SYSTEM, "index sync": P.SYSTEM,
    "index check": P.SYSTEM, "keys generate": P.SYSTEM, "keys rotate": P.SYSTEM, "keys status": P.SYSTEM,
    "search": P.SEARCH, "images similar": P.ITEM_READ,
    "entity list": P.ENTITY_READ, "entity show": P.ENTITY_READ, "entity documents": P.ENTITY_READ,
    "entity cooccur": P.ENTITY_READ, "entity timeline": P.ENTITY_READ, "entity pair": P.ENTITY_READ,
    "entity pins": P.ENTITY_READ,
    "entity merge": P.ENTITY_EDIT, "entity split": P.ENTITY_EDIT, "entity rename": P.ENTITY_EDIT,
    "entity withdraw": P.ENTITY_EDIT,
    "case create": P.CASE_CREATE, "case add-member": P.CASE_MEMBERS, "case add-person": P.CASE_EDIT,
    "case add-exhibit": P.CASE_EDIT, "case redact": P.CASE_EDIT, "case renumber": P.CASE_EDIT,
    "case show": P.CASE_READ, "case export": P.CASE_EXPORT, "bundle verify": P.PUBLIC,
    "inquiry keygen": P.SYSTEM, "inquiry list": P.INQUIRY_READ, "inquiry show": P.INQUIRY_READ,
    "inquiry reply": P.INQUIRY_ANSWER, "registry import": P.REGISTRY_IMPORT, "registry match": P.REGISTRY_READ,
    "user add": P.USER_MANAGE, "user role": P.USER_MANAGE, "user token": P.TOKEN_CREATE,
    "user list": P.USER_MANAGE, "user disable": P.USER_MANAGE, "user revoke": P.USER_MANAGE, "audit anchor": P.AUDIT_VERIFY,
}
#: object parameters checked against the policy, with what they name
OBJECT_PARAMETERS = {"case_id": Case, "item_id": EvidenceItem}


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _database():
    from archive_schema.db import connect

    return connect(_settings(), upgrade=True)


# --- who acts, and may they -------------------------------------------------------------------------------------

def command_path(ctx: click.Context) -> str:
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def resolve_actor(database, username: str | None) -> policy.Actor:
    if not username:
        return policy.operator()
    with database.reader() as reader:
        user = accounts.find_user(reader, username)
        if user is None or not user.active:
            raise click.ClickException(f"--as {username}: no such active user")
        return policy.actor_for(reader, user)


def _check_objects(database, actor: policy.Actor, action: str, params: dict[str, Any]) -> None:
    with database.reader() as reader:
        for name, model in OBJECT_PARAMETERS.items():
            value = params.get(name)
            if value is None:
                continue
            obj = reader.get(model, value)
            if obj is not None and not policy.can(actor, action, obj):
                kind = "case" if model is Case else "item"
                raise click.ClickException(f"no {kind} {value}")  # as if absent: no IDOR through the CLI


def _guarded(command: click.Command) -> None:
    callback = command.callback
    if callback is None or getattr(callback, "policy_guarded", False):
        return

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        path = command_path(ctx)
        username = ctx.find_root().meta.get("svidok.as")
        if not username:  # the operator: full access (see the module doc)
            with policy.acting_as(policy.operator()):
                return callback(*args, **kwargs)
        action = COMMAND_ACTIONS.get(path)
        if action is None:
            raise click.ClickException(f"`svidok {path}` has no access policy: only the local operator (without "
                                       "--as) may run it")
        database = _database()
        try:
            actor = resolve_actor(database, username)
            if not policy.may(actor, action):
                raise click.ClickException(f"{actor.name} ({actor.role}) may not run `svidok {path}` ({action})")
            _check_objects(database, actor, action, kwargs)
        finally:
            database.dispose()
        with policy.acting_as(actor):
            return callback(*args, **kwargs)

    run.policy_guarded = True
    command.callback = run


def iter_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    """Every runnable command under ``group`` with its path (``"user add"``)."""
    out = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            out += iter_commands(command, path + " ")
        else:
            out.append((path, command))
    return out


def guard(root: click.Group) -> None:
    """Add ``--as`` to the ``svidok`` group and put every command (also those attached later) behind the policy."""
    root.params.append(click.Option(["--as", "as_user"], envvar="SVIDOK_USER", metavar="USER",
                                    help="Act as this user, through the access policy (default: the local "
                                         "operator, with full access). Also $SVIDOK_USER."))
    callback = root.callback

    @functools.wraps(callback)
    def root_callback(*args: Any, as_user: str | None = None, **kwargs: Any) -> Any:
        click.get_current_context().meta["svidok.as"] = as_user
        for _path, command in iter_commands(root):  # here, once every module has attached its commands
            _guarded(command)
        return callback(*args, **kwargs)

    root.callback = root_callback


def current_name() -> str:
    actor = policy.current()
    return actor.name if actor is not None else policy.operator().name


# --- svidok user ------------------------------------------------------------------------------------------------

ROLES = click.Choice([r.value for r in accounts.Role])


@click.group()
def user() -> None:
    """Users, roles and API tokens."""


def generated_password() -> str:
    """125 bits: 25 characters from 32, in groups of five, easy to type and read out."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"  # 32 symbols: no 0/o, 1/l
    chars = "".join(secrets.choice(alphabet) for _ in range(25))
    return "-".join(chars[i:i + 5] for i in range(0, 25, 5))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


def _account_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
    return run


@user.command("add")
@click.argument("username")
@click.option("--role", type=ROLES, required=True)
@click.option("--name", "display_name", default="", help="The name shown in the interface.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--generate-password", is_flag=True,
              help="Make a random password (five groups of five letters and digits) and print it, once.")
@_account_errors
def user_add(username: str, role: str, display_name: str, password_stdin: bool, generate_password: bool) -> None:
    """Add a user with a role (admin, lawyer, investigator, archivist, viewer); asks for the password."""
    password = generated_password() if generate_password else _read_password(password_stdin)
    accounts.check_password_strength(password)
    database = _database()
    try:
        with database.sessions.begin() as session:
            added = accounts.create_user(session, username, role, password, display_name=display_name)
            audit.record(session, "user.create", actor=current_name(), object_type="user", object_id=added.username,
                         details={"role": added.role})
            name = added.username
    finally:
        database.dispose()
    click.echo(f"user {name} added as {role}")
    if generate_password:
        click.echo(f"password for {name} (shown this once, store it now): {password}")


@user.command("role")
@click.argument("username")
@click.argument("role", type=ROLES)
@_account_errors
def user_role(username: str, role: str) -> None:
    """Change a user's role."""
    database = _database()
    try:
        with database.sessions.begin() as session:
            found = accounts.get_user(session, username)
            before, found.role = found.role, accounts.parse_role(role).value
            audit.record(session, "user.role", actor=current_name(), object_type="user", object_id=found.username,
                         details={"from": before, "to": found.role})
    finally:
        database.dispose()
    click.echo(f"user {username}: role {before} -> {role}")


@user.command("token")
@click.argument("username")
@click.option("--name", "token_name", default="", help="What the token is for.")
@_account_errors
def user_token(username: str, token_name: str) -> None:
    """Make an API token for a user and print it, once (only its SHA-256 is kept)."""
    database = _database()
    actor = policy.current() or policy.operator()
    try:
        with database.sessions.begin() as session:
            found = accounts.get_user(session, username)
            if not policy.can(actor, policy.TOKEN_CREATE, found):
                raise click.ClickException(f"{actor.name} may not make tokens for {found.username}")
            row, token = accounts.create_token(session, found, token_name)
            audit.record(session, "auth.token.create", actor=actor.name, object_type="user",
                         object_id=found.username, details={"token_id": row.id, "name": row.name})
    finally:
        database.dispose()
    click.echo(token)
    click.echo(f"(token {row.id} for {username}: shown this once, store it now)", err=True)


@user.command("revoke")
@click.argument("username")
@click.option("--token", "token_id", help="The token's id (printed when it was made); without it, every token.")
@_account_errors
def user_revoke(username: str, token_id: str | None) -> None:
    """Revoke a user's API tokens (one, or all): scripts using them are refused at once."""
    database = _database()
    try:
        with database.sessions.begin() as session:
            found = accounts.get_user(session, username)
            revoked = accounts.revoke_tokens(session, found, token_id=token_id)
            for row in revoked:
                audit.record(session, "auth.token.revoke", actor=current_name(), object_type="user",
                             object_id=found.username, details={"token_id": row.id, "name": row.name})
    finally:
        database.dispose()
    click.echo(f"{len(revoked)} token(s) of {username} revoked")


@user.command("list")
@click.option("--json", "as_json", is_flag=True)
def user_list(as_json: bool) -> None:
    """Users, their roles, whether active, and their live tokens."""
    from sqlalchemy import select

    database = _database()
    try:
        with database.reader() as session:
            rows = [{"username": u.username, "display_name": u.display_name, "role": u.role, "active": u.active,
                     "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
                     "tokens": sum(t.revoked_at is None for t in u.tokens)}
                    for u in session.scalars(select(accounts.User).order_by(accounts.User.username))]
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['username']:<24} {row['role']:<13} {'active' if row['active'] else 'disabled':<9} "
                   f"tokens: {row['tokens']}  {row['display_name']}")


@user.command("disable")
@click.argument("username")
@_account_errors
def user_disable(username: str) -> None:
    """Disable a user: their sessions and tokens stop working at once; nothing of theirs is deleted."""
    database = _database()
    try:
        with database.sessions.begin() as session:
            found = accounts.get_user(session, username)
            found.active = False
            audit.record(session, "user.disable", actor=current_name(), object_type="user",
                         object_id=found.username)
    finally:
        database.dispose()
    click.echo(f"user {username} disabled")
