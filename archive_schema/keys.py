"""Keys for encryption at rest: the master key, data keys wrapped by it, and encrypted SQL text.

- The **master key** (32 bytes) comes from ``SVIDOK_MASTER_KEY`` (base64 or hex), else from the file named by
  ``SVIDOK_MASTER_KEY_FILE``, else from ``$SVIDOK_HOME/keys/master.key``, which is generated on first use
  (mode 0600, its folder 0700). It never encrypts data itself: it only wraps data keys, so ``svidok keys
  rotate`` changes it by rewrapping those small keys and never touches the data.
- A **data key** is a random AES-256 key: one per blob (in the blob's envelope, see ``blobs``) and one per
  database for encrypted columns (the ``data_key`` table). ``wrap`` = AES-256-GCM under the master key, with the
  object the key belongs to as associated data, so an envelope moved to another blob does not open.
- **Encrypted columns** (``EncryptedText``) hold ``svx1:`` + base64(data key id, nonce, AES-256-GCM ciphertext).
  A column value without that prefix is read as it is, so databases written before encryption keep working.
  SQLAlchemy types cannot see the engine, so ``db.connect`` installs the database's column key in this
  process's key table (``install_column_key``); keys are looked up by the id written in each value.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

from .ids import new_id

KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_BYTES = 8
#: a wrapped key: master key id, nonce, the data key encrypted (+16 bytes of tag)
WRAPPED_BYTES = KEY_ID_BYTES + NONCE_BYTES + KEY_BYTES + 16
COLUMN_PREFIX = "svx1:"
COLUMN_PURPOSE = "columns"


class KeyProblem(Exception):
    """A key is missing, malformed, or does not open what it should (wrong key, or tampered data)."""


def key_id(key: bytes) -> bytes:
    """A short public name of a key (not secret: a hash of it), written beside what it wraps."""
    return hashlib.sha256(b"svidok key id\0" + key).digest()[:KEY_ID_BYTES]


def parse_key(raw: str, where: str) -> bytes:
    """32 bytes from base64 (standard or URL-safe) or 64 hex digits."""
    text = raw.strip()
    try:
        key = bytes.fromhex(text) if len(text) == 2 * KEY_BYTES else base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyProblem(f"{where} must be a 256-bit key as base64 or 64 hex digits "
                         "(make one with `svidok keys generate`)")
    return key


def format_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def write_key_file(path: Path, key: bytes) -> None:
    """Write a key readable by its owner only; the folder too. Atomic: no half-written key file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(format_key(key) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def read_key_file(path: Path) -> bytes:
    try:
        return parse_key(path.read_text("ascii"), f"the key file {path}")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyProblem(f"cannot read the key file {path}: {exc}") from None


@dataclass
class Keyring:
    """The master key that wraps new data keys, and any others still able to unwrap (mid-rotation)."""
    current: bytes
    others: list[bytes] = field(default_factory=list)

    @property
    def current_id(self) -> bytes:
        return key_id(self.current)

    def _by_id(self, wanted: bytes) -> bytes:
        for key in (self.current, *self.others):
            if key_id(key) == wanted:
                return key
        raise KeyProblem(f"this data key was wrapped by master key {wanted.hex()}, which is not configured")

    def wrap(self, data_key: bytes, about: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return self.current_id + nonce + AESGCM(self.current).encrypt(nonce, data_key, about)

    def unwrap(self, wrapped: bytes, about: bytes) -> bytes:
        if len(wrapped) != WRAPPED_BYTES:
            raise KeyProblem("a wrapped data key has the wrong length")
        master = self._by_id(wrapped[:KEY_ID_BYTES])
        nonce, body = wrapped[KEY_ID_BYTES:KEY_ID_BYTES + NONCE_BYTES], wrapped[KEY_ID_BYTES + NONCE_BYTES:]
        try:
            return AESGCM(master).decrypt(nonce, body, about)
        except InvalidTag:
            raise KeyProblem("a wrapped data key does not open (tampered, or moved from another object)") from None

    def rewrap(self, wrapped: bytes, about: bytes) -> bytes | None:
        """The key wrapped by the current master key, or None when it already is."""
        if wrapped[:KEY_ID_BYTES] == self.current_id:
            return None
        return self.wrap(self.unwrap(wrapped, about), about)


def default_key_file(settings) -> Path:
    return settings.master_key_file or settings.home / "keys" / "master.key"


def next_key_file(settings) -> Path:
    """Where ``rotate`` keeps the new key until every data key is rewrapped."""
    path = default_key_file(settings)
    return path.with_name(path.name + ".next")


def load_keyring(settings, *, create: bool = True) -> Keyring:
    """The master key per the settings; a fresh key file under ``$SVIDOK_HOME/keys`` when none is configured."""
    if settings.master_key:
        current = parse_key(settings.master_key, "SVIDOK_MASTER_KEY")
    else:
        path = default_key_file(settings)
        if not path.exists():
            if settings.master_key_file or not create:
                raise KeyProblem(f"no master key: {path} does not exist")
            _create_key_file(path)
        current = read_key_file(path)
    others = []
    pending = next_key_file(settings)
    if pending.exists():  # a rotation was interrupted: data keys may be wrapped by either key
        others.append(read_key_file(pending))
    return Keyring(current, others)


_create_lock = threading.Lock()


def _create_key_file(path: Path) -> None:
    """A new key file, complete before it appears: two processes starting at once agree on one key."""
    with _create_lock:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(format_key(secrets.token_bytes(KEY_BYTES)) + "\n")
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, path)  # fails if another process made it first: theirs wins
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)


# --- data keys in the database ------------------------------------------------------------------------------

def _about(row_id: str, purpose: str) -> bytes:
    return f"data_key:{row_id}:{purpose}".encode()


#: column keys of the databases this process opened, by key id; the last installed encrypts
_column_keys: dict[bytes, AESGCM] = {}
_column_current: list[bytes] = []


def install_column_key(engine, keyring: Keyring) -> None:
    """Load (or create, on first use) the database's column key and make it this process's current one."""
    from sqlalchemy import inspect
    from sqlalchemy.orm import Session

    from .inquiries import DataKey

    if not inspect(engine).has_table(DataKey.__tablename__):
        return  # not migrated yet: ``upgrade_schema`` calls again
    query = select(DataKey.id, DataKey.wrapped).where(DataKey.purpose == COLUMN_PURPOSE)
    with Session(engine.execution_options(svidok_readonly=True)) as session:
        row = session.execute(query).first()
    if row is None:  # the first time: create it (the unique purpose makes a concurrent creator fail, not fork)
        try:
            with Session(engine) as session, session.begin():
                row = session.execute(query).first()
                if row is None:
                    new = DataKey(id=new_id(), purpose=COLUMN_PURPOSE)
                    new.wrapped = keyring.wrap(secrets.token_bytes(KEY_BYTES), _about(new.id, COLUMN_PURPOSE))
                    session.add(new)
                    row = (new.id, new.wrapped)
        except IntegrityError:  # another process created it between our read and our insert: use theirs
            with Session(engine.execution_options(svidok_readonly=True)) as session:
                row = session.execute(query).one()
    key = keyring.unwrap(row[1], _about(row[0], COLUMN_PURPOSE))
    kid = key_id(key)
    _column_keys[kid] = AESGCM(key)
    _column_current[:] = [kid]


def rewrap_data_keys(session, keyring: Keyring) -> int:
    """Rewrap the database's data keys under the current master key; returns how many changed."""
    from .inquiries import DataKey
    from .models import utcnow

    changed = 0
    for row in session.scalars(select(DataKey)):
        new = keyring.rewrap(row.wrapped, _about(row.id, row.purpose))
        if new is not None:
            row.wrapped, row.rewrapped_at = new, utcnow()
            changed += 1
    return changed


def encrypt_text(value: str) -> str:
    if not _column_current:
        raise KeyProblem("no column key is installed: open the database with archive_schema.db.connect")
    kid = _column_current[0]
    nonce = os.urandom(NONCE_BYTES)
    body = _column_keys[kid].encrypt(nonce, value.encode("utf-8"), kid)
    return COLUMN_PREFIX + base64.b64encode(kid + nonce + body).decode("ascii")


def decrypt_text(value: str) -> str:
    if not value.startswith(COLUMN_PREFIX):
        return value  # written before encryption
    raw = base64.b64decode(value[len(COLUMN_PREFIX):])
    kid, nonce, body = raw[:KEY_ID_BYTES], raw[KEY_ID_BYTES:KEY_ID_BYTES + NONCE_BYTES], raw[KEY_ID_BYTES + NONCE_BYTES:]
    aead = _column_keys.get(kid)
    if aead is None:
        raise KeyProblem(f"encrypted text under column key {kid.hex()}, which this process has not loaded")
    try:
        return aead.decrypt(nonce, body, kid).decode("utf-8")
    except InvalidTag:
        raise KeyProblem("encrypted text does not open (tampered)") from None


class EncryptedText(TypeDecorator):
    """Text encrypted with the database's column key; plain text written before encryption reads as is.

    What is stored cannot be searched, compared or cut by SQL: select the column and work on it in Python.
    """
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt_text(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt_text(value)


# --- rotation ---------------------------------------------------------------------------------------------------

@dataclass
class Rotation:
    old_id: str
    new_id: str
    blobs: int
    data_keys: int
    retired: Path


def rotate(settings, db, store, *, actor: str = "system") -> Rotation:
    """Change the master key: a new key file, every wrapped data key rewrapped (blob bodies are not touched),
    then the new key replaces the old, which is kept in ``keys/retired/`` for backups made before (delete it
    when they are gone). Interrupted, it resumes: run it again. Stop servers and workers while it runs: a process
    started before would still wrap new data keys with the old key."""
    from . import audit

    if settings.master_key:
        raise KeyProblem("`keys rotate` works on a key file: put the key in a file (mode 0600), point "
                         "SVIDOK_MASTER_KEY_FILE at it, unset SVIDOK_MASTER_KEY, and run it again")
    keyring = load_keyring(settings, create=False)
    pending = next_key_file(settings)
    if pending.exists():
        new = read_key_file(pending)
    else:
        new = secrets.token_bytes(KEY_BYTES)
        write_key_file(pending, new)
    old = keyring.current
    ring = Keyring(new, [k for k in (old, *keyring.others) if k != new])
    blobs = sum(1 for sha256 in store if store.rewrap(sha256, ring))
    with db.sessions.begin() as session:
        data_keys = rewrap_data_keys(session, ring)
        audit.record(session, "keys.rotate", actor=actor, object_type="master_key", object_id=key_id(new).hex(),
                     details={"old": key_id(old).hex(), "blobs": blobs, "data_keys": data_keys})
    current = default_key_file(settings)
    retired = current.parent / "retired" / f"{key_id(old).hex()}.key"
    retired.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if old != new:
        write_key_file(retired, old)
    os.replace(pending, current)
    install_column_key(db.engine, Keyring(new))
    return Rotation(key_id(old).hex(), key_id(new).hex(), blobs, data_keys, retired)
