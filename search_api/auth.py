"""Authentication, and the gate every request passes: who is asking, and may they call this endpoint.

Who: ``Authorization: Bearer svk_…`` (an API token, for scripts), else the signed session cookie set by
``login_user`` (the web interface), else ``ANONYMOUS``. A bearer header that is not a live token is a 401, never
a silent fall-back to the cookie.

The gate (``before_request``): every endpoint declares its action with ``@requires(policy.X)`` (Flask's own
``static`` endpoints are ``PUBLIC``). An endpoint that declares nothing is refused for everyone: deny by default.
An action the actor may not do is a 401 problem when nobody is signed in, 403 otherwise. ``requires`` checks
again when the view is called, so a page calling an API view (``web.apicall``) cannot bypass it. Objects
(items, cases) are checked in the views through ``archive_schema.policy``; an object the actor may not see
answers 404, the same as one that does not exist.

Sessions: Flask's signed cookie, ``HttpOnly``, ``SameSite=Lax``, ``Secure`` unless the app runs in debug mode
(or ``SVIDOK_COOKIE_SECURE=0`` / config ``SVIDOK_COOKIE_SECURE=False``: plain http on one machine, as ``make
demo`` does), 8 hours. The user is re-read on every request, so disabling a user ends their sessions and tokens at once.
``SECRET_KEY`` comes from ``SVIDOK_SECRET_KEY`` or, when unset, from ``$SVIDOK_HOME/secret_key`` (made on first
use, mode 0600).

Bodies other than multipart uploads (JSON, forms) are refused above ``MAX_JSON_BODY`` (1 MiB) with a 413.

CSRF: a random token per session (``csrf_token()``, a template global). Every POST/PUT/PATCH/DELETE that could
ride on the cookie (any non-API path, and API calls that carry the session cookie) must send it back as the
form field ``csrf_token`` or the header ``X-CSRF-Token``; bearer-token calls carry no ambient credential and
need none.

Login throttle: failed logins are counted in the database (``login_throttle``), per username (5 in 15 minutes
lock it for 15 minutes) and per client address (20 in 15 minutes): the database, not process memory, so every
worker process and restart sees the same counts. A locked login answers 429 with ``Retry-After`` without
checking the password. A success clears the username's count, not the client's.
"""
from __future__ import annotations

import datetime as dt
import functools
import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Any, Callable

from flask import Flask, current_app, g, request, session
from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized
from werkzeug.middleware.proxy_fix import ProxyFix

from archive_schema import accounts, audit, policy
from archive_schema.accounts import Limit, User
from archive_schema.models import utcnow
from archive_schema.policy import Actor
from archive_schema.settings import proxy_count

log = logging.getLogger(__name__)

SESSION_USER = "uid"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
USER_LIMIT = Limit(failures=5)
CLIENT_LIMIT = Limit(failures=20)
#: how often a token's ``last_used_at`` is written (not on every request: that would be a write per read)
TOKEN_TOUCH = dt.timedelta(minutes=1)
#: a JSON body (sign-in, tokens, cases, entity decisions) is small; the 2 GiB upload limit is for files only
MAX_JSON_BODY = 1024 * 1024
#: endpoints Flask itself adds, which no view of ours declares
BUILTIN_ACTIONS = {"static": policy.PUBLIC}


class LoginFailed(Exception):
    """Wrong username or password (which one is not said), or a disabled user."""


# --- declaring what an endpoint does ----------------------------------------------------------------------------

def requires(action: str) -> Callable:
    """Declare the policy action of a view; the view refuses callers who may not do it."""
    if action not in policy.ACTIONS:
        raise ValueError(f"unknown policy action {action!r}")

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            check(action)
            return view(*args, **kwargs)

        guarded.policy_action = action
        return guarded
    return decorate


def endpoint_action(app: Flask, endpoint: str) -> str | None:
    """The action an endpoint declares, or None (then it is refused)."""
    if endpoint in BUILTIN_ACTIONS or endpoint.rsplit(".", 1)[-1] == "static":
        return policy.PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "policy_action", None)


def check(action: str, obj: object = None) -> None:
    """Raise 401 (nobody signed in) or 403 unless the current actor may do ``action`` (to ``obj``)."""
    actor = current_user()
    if policy.can(actor, action, obj):
        return
    if not actor.authenticated:
        raise Unauthorized("Sign in, or send an API token as 'Authorization: Bearer <token>'.",
                           www_authenticate=_challenge())
    raise Forbidden(f"Your role ({actor.role}) may not do this ({action}).")


def _challenge():
    from werkzeug.datastructures import WWWAuthenticate

    return WWWAuthenticate("bearer", {"realm": "svidok"})


# --- who is asking ----------------------------------------------------------------------------------------------

def current_user() -> Actor:
    """The actor of this request (``ANONYMOUS`` outside one)."""
    return g.get("actor", policy.ANONYMOUS)


def _db():
    return current_app.extensions["svidok"].db


def _authenticate() -> Actor:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send the API token as 'Authorization: Bearer <token>'.",
                               www_authenticate=_challenge())
        return _token_actor(token.strip())
    user_id = session.get(SESSION_USER)
    if user_id:
        with _db().reader() as reader:
            user = reader.get(User, user_id) if isinstance(user_id, str) else None
            if user is not None and user.active:
                g.auth_via = "session"
                return policy.actor_for(reader, user)
        session.pop(SESSION_USER, None)  # the user is gone or disabled: the session ends
    return policy.ANONYMOUS


def _token_actor(token: str) -> Actor:
    with _db().reader() as reader:
        row = accounts.find_token(reader, token)
        if row is None:
            raise Unauthorized("The API token is unknown, revoked, or its user is disabled.",
                               www_authenticate=_challenge())
        actor = policy.actor_for(reader, row.user)
        last = accounts._aware(row.last_used_at)
        token_id = row.id
    now = utcnow()
    if last is None or now - last > TOKEN_TOUCH:
        with _db().sessions.begin() as writer:
            writer.get(accounts.ApiToken, token_id).last_used_at = now
    g.auth_via = "token"
    return actor


def _before_request() -> None:
    if request.mimetype != "multipart/form-data":
        request.max_content_length = MAX_JSON_BODY  # reading a larger body answers 413
    g.auth_via = None
    g.actor = _authenticate()
    g.policy_token = policy.set_current(g.actor)
    if request.endpoint is None:  # no such route, or a method it does not take: Flask answers 404/405
        return
    action = endpoint_action(current_app, request.endpoint)
    if action is None:
        log.error("endpoint %s declares no policy action: refused", request.endpoint)
        raise Forbidden("This endpoint has no access policy, so nobody may use it.")
    check(action)
    if request.method in UNSAFE_METHODS and _needs_csrf():
        check_csrf()


def _teardown_request(_exc: BaseException | None = None) -> None:
    token = g.pop("policy_token", None)
    if token is not None:
        try:
            policy.reset(token)
        except ValueError:  # set in another context (a streamed response): nothing to undo here
            pass


# --- CSRF -------------------------------------------------------------------------------------------------------

def csrf_token() -> str:
    """This session's CSRF token (made on first use); put it in every form as ``csrf_token``."""
    token = session.get(SESSION_CSRF)
    if not token:
        token = session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


def _needs_csrf() -> bool:
    if g.get("auth_via") == "token":
        return False
    if not request.path.startswith("/api/"):
        return True
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies


def check_csrf() -> None:
    """403 unless the request sends this session's CSRF token back (form field or header)."""
    expected = session.get(SESSION_CSRF)
    sent = request.headers.get(CSRF_HEADER) or (request.form.get(CSRF_FIELD) if request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data") else None)
    if not expected or not sent or not hmac.compare_digest(str(sent), str(expected)):
        raise Forbidden("The form's CSRF token is missing or out of date: reload the page and try again.")


# --- signing in and out -----------------------------------------------------------------------------------------

def client_address() -> str:
    return request.remote_addr or "unknown"


def authenticate_password(username: str, password: str) -> User:
    """The user with this name and password, or ``LoginFailed``; 429 when the name or client is locked out.

    Every attempt is an audit event (``auth.login``: ok, denied or locked).
    """
    name = (username or "").strip().lower()[:200]
    limits = {accounts.throttle_key("user", name): USER_LIMIT,
              accounts.throttle_key("client", client_address()): CLIENT_LIMIT}
    with _db().sessions.begin() as writer:
        wait = accounts.throttle_wait(writer, list(limits))
        if wait:
            _login_event(writer, name, "locked")
    if wait:
        raise TooManyRequests(f"Too many failed sign-ins: try again in {wait} seconds.", retry_after=wait)
    with _db().reader() as reader:
        user = accounts.find_user(reader, name)
        ok = accounts.verify_password(user, password or "") and user is not None and user.active
        user_id = user.id if user is not None else None
    with _db().sessions.begin() as writer:
        if not ok:
            accounts.throttle_fail(writer, limits)
            _login_event(writer, name, "denied", known=user_id is not None)
        else:
            found = writer.get(User, user_id)
            accounts.throttle_clear(writer, [accounts.throttle_key("user", name)])
            found.last_login_at = utcnow()
            if accounts.needs_rehash(found):
                found.password_hash = accounts._hasher.hash(password)
            _login_event(writer, name, "ok")
    if not ok:
        raise LoginFailed("Wrong username or password.")
    with _db().reader() as reader:
        return reader.get(User, user_id)


def _login_event(writer, name: str, outcome: str, *, known: bool = True) -> None:
    # an unknown name may be a password typed in the wrong field: it is not written down
    audit.record(writer, "auth.login", actor=name if outcome == "ok" else policy.ANONYMOUS.name,
                 object_type="user", object_id=name if known else "", outcome=outcome,
                 details={"via": "password"})


def login_user(user: User) -> None:
    """Start a session for ``user`` (a fresh one: nothing of the anonymous session carries over)."""
    session.clear()
    session[SESSION_USER] = user.id
    session[SESSION_CSRF] = secrets.token_urlsafe(32)
    session.permanent = True


def logout_user() -> None:
    actor = current_user()
    if actor.authenticated:
        with _db().sessions.begin() as writer:
            audit.record(writer, "auth.logout", actor=actor.name, object_type="user", object_id=actor.name)
    session.clear()


# --- the app ----------------------------------------------------------------------------------------------------

def _secret_key(home: Path) -> str:
    path = home / "secret_key"
    if path.exists():
        return path.read_text("utf-8").strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fp:
        fp.write(key + "\n")
    return key


def trusted_proxies(app: Flask) -> int:
    """How many reverse proxies stand in front of the app (config ``SVIDOK_TRUSTED_PROXIES``, else the settings)."""
    configured = app.config.get("SVIDOK_TRUSTED_PROXIES")
    return app.config["SVIDOK"].trusted_proxies if configured is None else proxy_count(configured)


def init_app(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.config["SVIDOK"].home)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8))
    secure = app.config.get("SVIDOK_COOKIE_SECURE")
    if secure is None and os.environ.get("SVIDOK_COOKIE_SECURE", "").strip() in ("0", "false", "no"):
        secure = False  # plain http on a trusted machine (``make demo``); never behind a public address
    app.config["SESSION_COOKIE_SECURE"] = (not app.debug) if secure is None else bool(secure)
    app.config["SESSION_COOKIE_NAME"] = "svidok_session"
    proxies = trusted_proxies(app)
    if proxies:
        # behind N reverse proxies the client is the Nth address from the right of X-Forwarded-For;
        # without this setting the header is ignored, so nobody can forge an address to dodge the throttle
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(_before_request)
    app.teardown_request(_teardown_request)
    app.jinja_env.globals.update(csrf_token=csrf_token)
