"""Accounts: users with one role each, their API tokens, and the login throttle.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, RFC 9106's second recommended profile);
API tokens only as the SHA-256 of a 256-bit random token (a token is shown once, when made; SHA-256 is enough
for a secret with that much entropy and lets a request find its token by an index lookup). What a role may do
is decided in :mod:`archive_schema.policy`, nowhere else.

The throttle counts failed logins per username and per client in the database (``login_throttle``), so every
web worker process and every restart sees the same counts; its keys are SHA-256 digests, so the table holds
no client address and no username in clear.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .ids import new_id
from .models import Base, utcnow


class Role(StrEnum):
    admin = "admin"
    lawyer = "lawyer"
    investigator = "investigator"
    archivist = "archivist"
    viewer = "viewer"


#: usernames: letters, digits and . _ - (ASCII), so they read the same in every log and audit event
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
TOKEN_PREFIX = "svk_"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4


class User(Base):
    """A person who signs in. ``username`` is what audit events and case membership (``CaseMember.user``) name."""
    __tablename__ = "app_user"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200), default="")  # "" : cannot sign in with a password
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")


class ApiToken(Base):
    """A bearer token for scripts. Only its SHA-256 is stored; the token itself is shown once."""
    __tablename__ = "api_token"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship(back_populates="tokens")


class LoginThrottle(Base):
    """Failed logins counted under one key (SHA-256 of ``user:<name>`` or ``client:<address>``)."""
    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why, for the user."""


# --- passwords and tokens ---------------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")


#: verified against when the username is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def verify_password(user: User | None, password: str) -> bool:
    """True when ``password`` is the user's; always spends one argon2 verification (no timing oracle)."""
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    if len(password) > MAX_PASSWORD_LENGTH:
        password = ""
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    return ok and user is not None and bool(user.password_hash)


def needs_rehash(user: User) -> bool:
    return bool(user.password_hash) and _hasher.check_needs_rehash(user.password_hash)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """256 bits from the OS's CSPRNG, URL-safe, with a recognisable prefix (secret scanners find it)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


# --- users ------------------------------------------------------------------------------------------------------

def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not re.match(USERNAME_PATTERN, name):
        raise AccountError("a username is 1 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit")
    return name


def parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}; known: {', '.join(r.value for r in Role)}") from None


def find_user(session: Session, username: str) -> User | None:
    try:
        name = normalise_username(username)
    except AccountError:
        return None
    return session.scalar(select(User).where(User.username == name))


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def create_user(session: Session, username: str, role: str, password: str | None, *,
                display_name: str = "") -> User:
    name = normalise_username(username)
    if find_user(session, name) is not None:
        raise AccountError(f"user {name!r} exists already")
    user = User(username=name, role=parse_role(role).value, display_name=display_name.strip()[:200],
                password_hash=hash_password(password) if password else "", active=True)
    session.add(user)
    session.flush()
    return user


def create_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the token itself (which is never stored, so show it now)."""
    token = new_token()
    row = ApiToken(user_id=user.id, name=name.strip()[:200], token_hash=token_digest(token))
    session.add(row)
    session.flush()
    return row, token


def revoke_tokens(session: Session, user: User, *, token_id: str | None = None) -> list[ApiToken]:
    """Revoke one of the user's live tokens (by id) or all of them; returns those revoked."""
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    rows = list(session.scalars(query))
    if token_id is not None and not rows:
        raise AccountError(f"{user.username} has no live token {token_id}")
    for row in rows:
        row.revoked_at = utcnow()
    return rows


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live token (not revoked, its user active), or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row


# --- the login throttle -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limit:
    """At most ``failures`` failures within ``window``; then locked for ``lockout``."""

    failures: int
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)


def throttle_key(kind: str, value: str) -> str:
    """The stored key for ``kind`` (``user``, ``client`` …) and value: a digest, never the value itself."""
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8")).hexdigest()


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.timezone.utc) if moment is not None and moment.tzinfo is None else moment


def throttle_wait(session: Session, keys: list[str], now: dt.datetime | None = None) -> int:
    """Seconds until every key may try again (0: none is locked)."""
    now = now or utcnow()
    wait = 0
    for row in session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))):
        until = _aware(row.locked_until)
        if until is not None and until > now:
            wait = max(wait, int((until - now).total_seconds()) + 1)
    return wait


def throttle_fail(session: Session, limits: dict[str, Limit], now: dt.datetime | None = None) -> None:
    """Count one failure under each key; a key reaching its limit within its window is locked."""
    now = now or utcnow()
    for key, limit in limits.items():
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0)
            session.add(row)
        first = _aware(row.first_failure_at)
        if first is None or now - first > limit.window:
            row.failures, row.first_failure_at = 0, now
        row.failures += 1
        if row.failures >= limit.failures:
            row.locked_until, row.failures, row.first_failure_at = now + limit.lockout, 0, None
    session.flush()


def throttle_clear(session: Session, keys: list[str]) -> None:
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None:
            session.delete(row)
    session.flush()
