"""Who is asking: the request's actor, and the session and token endpoints.

``current_actor()`` is the name audit events record for this request (a username, or ``anonymous``);
``current_user()`` the :class:`archive_schema.policy.Actor` itself. Authentication and the gate every request
passes are in :mod:`search_api.auth`; every decision is :mod:`archive_schema.policy`'s.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, request
from pydantic import BaseModel, Field
from werkzeug.exceptions import NotFound, Unauthorized, UnsupportedMediaType

from archive_schema import accounts, audit, policy

from ..auth import (LoginFailed, authenticate_password, csrf_token, current_user, login_user, logout_user,
                    requires)
from ..openapi import operation
from .common import Body, as_utc, json_body
from .context import pipeline_context

ANONYMOUS = policy.ANONYMOUS.name
bp = Blueprint("access", __name__)

__all__ = ["ANONYMOUS", "bp", "current_actor", "current_user"]


def current_actor() -> str:
    """The actor recorded in audit events for this request."""
    return current_user().name


class LoginIn(Body):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=accounts.MAX_PASSWORD_LENGTH)


class SessionOut(BaseModel):
    username: str
    display_name: str
    role: str
    cases: dict[str, str] = Field(description="case id -> the user's role in that case")
    csrf_token: str = Field(description="send back as X-CSRF-Token with every POST/PUT/PATCH/DELETE that "
                                        "rides on the session cookie")


class SignedOut(BaseModel):
    signed_out: bool


class TokenIn(Body):
    name: str = Field("", max_length=200, description="what the token is for")


class TokenOut(BaseModel):
    id: str
    name: str
    token: str = Field(description="shown this once: only its SHA-256 is stored")


def _session_out() -> dict:
    actor = current_user()
    with pipeline_context().db.reader() as reader:
        user = accounts.find_user(reader, actor.name)
        display = user.display_name if user is not None else ""
    return SessionOut(username=actor.name, display_name=display, role=actor.role or "", cases=dict(actor.cases),
                      csrf_token=csrf_token()).model_dump(mode="json")


@bp.post("/session")
@requires(policy.PUBLIC)
@operation(body=LoginIn, responses={200: SessionOut}, problems=(400, 401, 415, 429))
def sign_in():
    """Sign in with a username and password (JSON); sets the session cookie.

    Failed attempts are counted per username and per client: after too many the answer is 429 with
    ``Retry-After``, whatever the password.
    """
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send JSON: {\"username\": …, \"password\": …}.")
    body = json_body(LoginIn)
    try:
        user = authenticate_password(body.username, body.password)
    except LoginFailed as exc:
        raise Unauthorized(str(exc)) from None
    login_user(user)
    with pipeline_context().db.reader() as reader:
        g.actor = policy.actor_for(reader, user)
    return _session_out()


@bp.get("/session")
@requires(policy.SIGNED_IN)
@operation(responses={200: SessionOut}, problems=(401,))
def whoami():
    """Who is signed in (by session or token), their role and cases, and the session's CSRF token."""
    return _session_out()


@bp.delete("/session")
@requires(policy.SIGNED_IN)
@operation(responses={200: SignedOut}, problems=(401, 403))
def sign_out():
    """Sign out: the session cookie is cleared."""
    logout_user()
    return SignedOut(signed_out=True).model_dump(mode="json")


@bp.post("/tokens")
@requires(policy.TOKEN_CREATE)
@operation(body=TokenIn, responses={201: TokenOut}, problems=(400, 401, 403))
def create_token():
    """Make an API token for yourself (JSON ``{"name": …}``); the token is shown in this answer only."""
    body = json_body(TokenIn)
    actor = current_user()
    with pipeline_context().db.sessions.begin() as writer:
        user = accounts.find_user(writer, actor.name)
        if user is None or not policy.can(actor, policy.TOKEN_CREATE, user):
            raise Unauthorized("Only a signed-in user can make API tokens.")
        row, token = accounts.create_token(writer, user, body.name)
        audit.record(writer, "auth.token.create", actor=actor.name, object_type="user", object_id=user.username,
                     details={"token_id": row.id, "name": row.name})
        out = TokenOut(id=row.id, name=row.name, token=token)
    return out.model_dump(mode="json"), 201


class TokenInfo(BaseModel):
    id: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokensOut(BaseModel):
    tokens: list[TokenInfo]


def _token_info(row: accounts.ApiToken) -> TokenInfo:
    def utc(moment: dt.datetime | None) -> dt.datetime | None:
        return as_utc(moment) if moment else None

    return TokenInfo(id=row.id, name=row.name, created_at=as_utc(row.created_at),
                     last_used_at=utc(row.last_used_at), revoked_at=utc(row.revoked_at))


def _own_account(writer):
    actor = current_user()
    user = accounts.find_user(writer, actor.name)
    if user is None or not policy.can(actor, policy.TOKEN_CREATE, user):
        raise Unauthorized("Only a signed-in user has API tokens.")
    return actor, user


@bp.get("/tokens")
@requires(policy.TOKEN_CREATE)
@operation(responses={200: TokensOut}, problems=(401, 403))
def list_tokens():
    """Your API tokens, live and revoked, newest first (never the tokens themselves: only their hashes are kept)."""
    with pipeline_context().db.sessions.begin() as writer:
        _, user = _own_account(writer)
        rows = sorted(user.tokens, key=lambda t: (t.created_at, t.id), reverse=True)
        out = TokensOut(tokens=[_token_info(t) for t in rows])
    return out.model_dump(mode="json")


@bp.delete("/tokens/<token_id>")
@requires(policy.TOKEN_CREATE)
@operation(responses={200: TokenInfo}, problems=(401, 403, 404))
def revoke_token(token_id: str):
    """Revoke one of your live API tokens: it stops working at once. Another user's token is a 404."""
    with pipeline_context().db.sessions.begin() as writer:
        actor, user = _own_account(writer)
        try:
            (row,) = accounts.revoke_tokens(writer, user, token_id=token_id)
        except accounts.AccountError:
            raise NotFound("You have no live API token with this id.") from None
        audit.record(writer, "auth.token.revoke", actor=actor.name, object_type="user", object_id=user.username,
                     details={"token_id": row.id, "name": row.name})
        out = _token_info(row)
    return out.model_dump(mode="json")
