"""Family inquiries without accounts, the person registry, and the database's wrapped data keys.

An inquiry's contents are sealed on arrival (libsodium sealed box) to the organisation's public key; only staff
holding the private key, itself stored encrypted under a passphrase (``InquiryKey``), can open them. The family
gets an access code once::

    LLLL-LLSS-SSSS-SSSS-SSSS-SSSS-SSSS-SSSS     Crockford base32; L = lookup (30 bits), S = secret (130 bits)

The lookup part is stored as it is and finds the row (no table scan); the secret part is never stored: only an
argon2id hash of the whole code, and the public half of a key pair derived from the secret. Messages to the
family are sealed to that public key (and, for staff's own record, to the organisation's key), so a copy of the
database opens neither the inquiry nor the replies. Nothing identifying the requester is stored: no address, no
account, no precise time (``created_on`` is a date; the audit event of a new inquiry names no inquiry).

Plain in the database: the inquiry's status, the dates of its changes, and the counters that rate-limit wrong
codes.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import nacl.exceptions
import nacl.hash
import nacl.pwhash
import nacl.secret
import nacl.utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey, PublicKey, SealedBox
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import audit
from .ids import new_id
from .models import Base, utcnow


def today() -> dt.date:
    return utcnow().date()


# --- vocabularies -----------------------------------------------------------------------------------------------

class PersonStatus(StrEnum):
    """Status categories of a person (DESIGN.md, Entity/Person); the first seven are what families choose."""
    civilian_detainee = "civilian_detainee"
    pow = "pow"
    deported_child = "deported_child"
    deported_convict = "deported_convict"
    closed_institution_patient = "closed_institution_patient"
    ru_political_prisoner = "ru_political_prisoner"
    missing = "missing"
    released = "released"
    deceased = "deceased"


INQUIRY_CATEGORIES = tuple(PersonStatus)[:7]


class InquiryStatus(StrEnum):
    received = "received"        # filed, nobody has looked yet
    in_progress = "in_progress"  # staff are searching
    information = "information"  # staff have something to tell the family (see the messages)
    closed = "closed"


class ContactPreference(StrEnum):
    code_only = "code_only"  # the family checks with the access code; no contact detail is asked for
    email = "email"
    phone = "phone"
    messenger = "messenger"


# --- tables -----------------------------------------------------------------------------------------------------

class DataKey(Base):
    """A data key for something kept in the database (encrypted columns), wrapped by the master key."""
    __tablename__ = "data_key"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    purpose: Mapped[str] = mapped_column(String(40), unique=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rewrapped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class InquiryKey(Base):
    """The organisation's key pair for inquiries: the private key encrypted under a passphrase (argon2id +
    XSalsa20-Poly1305). The newest active key seals new inquiries; older ones still open theirs."""
    __tablename__ = "inquiry_key"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    encrypted_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    opslimit: Mapped[int] = mapped_column(Integer)
    memlimit: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Inquiry(Base):
    __tablename__ = "inquiry"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lookup: Mapped[str] = mapped_column(String(8), unique=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    family_public_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(ForeignKey("inquiry_key.id"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default=InquiryStatus.received.value)
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)
    updated_on: Mapped[dt.date] = mapped_column(Date, default=today)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class InquiryMessage(Base):
    """A status change and/or a message. ``for_family`` is sealed to the family's key, ``for_staff`` to the
    organisation's; either opens the same JSON ``{"text": …}``."""
    __tablename__ = "inquiry_message"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiry.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(10))  # staff, family
    status: Mapped[str | None] = mapped_column(String(20))  # the status set by this update, if any
    for_family: Mapped[bytes | None] = mapped_column(LargeBinary)
    for_staff: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)
    __table_args__ = (Index("ix_inquiry_message_inquiry", "inquiry_id", "seq"),)


class RegistryPerson(Base):
    """A person from an imported list of detainees (and the like): one row per person, however many lists
    name them. De-duplicated on (``name_key``, ``birth_date``); ``entity_id`` links the person entity of the
    same name key when there is exactly one."""
    __tablename__ = "registry_person"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(500))
    name_key: Mapped[str] = mapped_column(String(500))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(40))
    status_date: Mapped[dt.date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(500), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    entity_id: Mapped[str | None] = mapped_column(ForeignKey("entity.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    __table_args__ = (Index("ix_registry_person_key", "name_key", "birth_date"),
                      Index("ix_registry_person_status", "status"))


# --- access codes -----------------------------------------------------------------------------------------------

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LOOKUP_CHARS = 6    # 30 bits: finds the row
SECRET_CHARS = 26   # 130 bits: proves the holder
CODE_CHARS = LOOKUP_CHARS + SECRET_CHARS
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
#: argon2id at OWASP's minimum for passwords (t=2, m=19 MiB): the code already has 130 random bits, so the hash
#: guards against a stolen database, not a weak secret; the cheaper hash also bounds what guessing costs the server
_code_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class BadCode(ValueError):
    """Not an access code at all (wrong length or characters): answered without touching the database."""


def new_code() -> str:
    raw = "".join(secrets.choice(CROCKFORD) for _ in range(CODE_CHARS))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_CHARS, 4))


def normalise_code(code: str) -> str:
    """What the family typed, as the 32 characters: case, spaces and hyphens ignored, O/I/L read as 0/1/1."""
    raw = re.sub(r"[\s\-]+", "", str(code)).upper().translate(_TYPO)
    if len(raw) != CODE_CHARS or any(c not in CROCKFORD for c in raw):
        raise BadCode(f"an access code has {CODE_CHARS} letters and digits, in groups of four")
    return raw


def _family_private_key(raw: str) -> PrivateKey:
    seed = nacl.hash.blake2b(raw[LOOKUP_CHARS:].encode("ascii"), digest_size=32, key=b"svidok family key",
                             encoder=RawEncoder)
    return PrivateKey.from_seed(seed)


# Verifying a code against a lookup nobody holds costs the same as a real one: no timing oracle.
_DUMMY_HASH = _code_hasher.hash("0" * CODE_CHARS)


# --- the organisation's key -------------------------------------------------------------------------------------

class InquiryKeyError(ValueError):
    pass


#: argon2id cost of the passphrase (libsodium's "moderate": ~0.5 s, 256 MiB); tests pass cheaper limits
DEFAULT_OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_MODERATE
DEFAULT_MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_MODERATE
MIN_PASSPHRASE = 12


def create_key(session: Session, passphrase: str, *, opslimit: int = DEFAULT_OPSLIMIT,
               memlimit: int = DEFAULT_MEMLIMIT) -> InquiryKey:
    """A new organisation key pair; it seals inquiries from now on (older keys still open older ones)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise InquiryKeyError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    private = PrivateKey.generate()
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), salt,
                                                         opslimit=opslimit, memlimit=memlimit))
    for old in session.scalars(select(InquiryKey).where(InquiryKey.active.is_(True))):
        old.active = False
    key = InquiryKey(public_key=bytes(private.public_key), encrypted_private_key=bytes(box.encrypt(bytes(private))),
                     salt=salt, opslimit=opslimit, memlimit=memlimit, active=True)
    session.add(key)
    session.flush()
    return key


def active_key(session: Session) -> InquiryKey | None:
    return session.scalar(select(InquiryKey).where(InquiryKey.active.is_(True))
                          .order_by(InquiryKey.created_at.desc()).limit(1))


def unlock(session: Session, passphrase: str) -> dict[str, PrivateKey]:
    """Every organisation private key the passphrase opens, by key id; an error when it opens none."""
    opened = {}
    for key in session.scalars(select(InquiryKey)):
        box_key = nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), key.salt,
                                           opslimit=key.opslimit, memlimit=key.memlimit)
        try:
            opened[key.id] = PrivateKey(nacl.secret.SecretBox(box_key).decrypt(key.encrypted_private_key))
        except nacl.exceptions.CryptoError:
            continue
    if not opened:
        raise InquiryKeyError("the passphrase opens no inquiry key (or there is none: `svidok inquiry keygen`)")
    return opened


# --- contents ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contents:
    """What the family wrote. Sealed as JSON; never stored in plain."""
    relative_name: str
    category: str
    birth_date: str | None = None
    last_known_place: str = ""
    circumstances: str = ""
    contact_preference: str = ContactPreference.code_only.value
    contact: str = ""

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "Contents":
        return cls(**json.loads(data))


def _seal(public_key: bytes, value: dict[str, Any]) -> bytes:
    return SealedBox(PublicKey(public_key)).encrypt(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def _open(private: PrivateKey, sealed: bytes) -> dict[str, Any]:
    return json.loads(SealedBox(private).decrypt(sealed))


class InquiryUnavailable(Exception):
    """No inquiry for this code, or the code is wrong (the two are not told apart), or it is locked."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


MAX_FAILED = 10
LOCK_FOR = dt.timedelta(minutes=15)


def file_inquiry(session: Session, contents: Contents) -> tuple[Inquiry, str]:
    """Seal and store a new inquiry; returns it and its access code (shown to the family once, never stored)."""
    key = active_key(session)
    if key is None:
        raise InquiryKeyError("inquiries cannot be received yet: no organisation key (`svidok inquiry keygen`)")
    while True:
        code = new_code()
        raw = normalise_code(code)
        lookup = raw[:LOOKUP_CHARS]
        if session.scalar(select(Inquiry.id).where(Inquiry.lookup == lookup)) is None:
            break
    family = _family_private_key(raw)
    inquiry = Inquiry(lookup=lookup, code_hash=_code_hasher.hash(raw), family_public_key=bytes(family.public_key),
                      key_id=key.id, sealed=SealedBox(PublicKey(key.public_key)).encrypt(contents.to_json()))
    session.add(inquiry)
    session.flush()
    # one event, naming neither the inquiry nor anything about who filed it (its time would link the two)
    audit.record(session, "inquiry.create", actor="anonymous", object_type="inquiry")
    return inquiry, code


def verify_code(session: Session, code: str) -> tuple[Inquiry, PrivateKey]:
    """The inquiry this code opens, and the family's key for its messages.

    Unknown lookups and wrong secrets give the same error after the same work. Ten wrong codes for one
    inquiry lock it for 15 minutes (counted in the caller's transaction: commit it even on failure).
    """
    raw = normalise_code(code)
    inquiry = session.scalar(select(Inquiry).where(Inquiry.lookup == raw[:LOOKUP_CHARS]))
    now = utcnow()
    if inquiry is None:
        _verify(_DUMMY_HASH, raw)
        raise InquiryUnavailable("No inquiry matches this access code.")
    locked = inquiry.locked_until
    if locked is not None and (locked if locked.tzinfo else locked.replace(tzinfo=dt.timezone.utc)) > now:
        left = (locked if locked.tzinfo else locked.replace(tzinfo=dt.timezone.utc)) - now
        raise InquiryUnavailable("Too many wrong access codes for this inquiry; try again later.",
                                 retry_after=int(left.total_seconds()) + 1)
    if not _verify(inquiry.code_hash, raw):
        inquiry.failed_attempts = (inquiry.failed_attempts or 0) + 1
        if inquiry.failed_attempts >= MAX_FAILED:
            inquiry.failed_attempts, inquiry.locked_until = 0, now + LOCK_FOR
        raise InquiryUnavailable("No inquiry matches this access code.")
    inquiry.failed_attempts, inquiry.locked_until = 0, None
    return inquiry, _family_private_key(raw)


def _verify(code_hash: str, raw: str) -> bool:
    try:
        return _code_hasher.verify(code_hash, raw)
    except (VerificationError, InvalidHashError):
        return False


def _next_seq(session: Session, inquiry: Inquiry) -> int:
    from sqlalchemy import func

    return (session.scalar(select(func.max(InquiryMessage.seq)).where(InquiryMessage.inquiry_id == inquiry.id))
            or 0) + 1


def post_update(session: Session, inquiry: Inquiry, *, author: str, text: str = "",
                status: str | None = None, actor: str = "anonymous") -> InquiryMessage:
    """A status change and/or a message, sealed to the family's key and to the organisation's key.

    Audited: staff updates as ``inquiry.update`` by ``actor`` on the inquiry; a family's message as
    ``inquiry.family_message`` naming no inquiry (as for ``inquiry.create``)."""
    if status is not None:
        status = InquiryStatus(status).value
        inquiry.status = status
    org = session.get(InquiryKey, inquiry.key_id)
    body = {"text": text}
    message = InquiryMessage(inquiry_id=inquiry.id, seq=_next_seq(session, inquiry), author=author, status=status,
                             for_family=_seal(inquiry.family_public_key, body) if text else None,
                             for_staff=_seal(org.public_key, body) if text else None)
    inquiry.updated_on = today()
    session.add(message)
    session.flush()
    if author == "family":
        audit.record(session, "inquiry.family_message", actor="anonymous", object_type="inquiry")
    else:
        audit.record(session, "inquiry.update", actor=actor, object_type="inquiry", object_id=inquiry.id,
                     details={"status": status, "message": bool(text)})
    return message


@dataclass(frozen=True)
class Shown:
    seq: int
    author: str
    status: str | None
    text: str
    on: dt.date


def messages(session: Session, inquiry: Inquiry, private: PrivateKey, *, staff: bool) -> list[Shown]:
    """The inquiry's updates opened with the family's key (``staff=False``) or the organisation's."""
    shown = []
    for m in session.scalars(select(InquiryMessage).where(InquiryMessage.inquiry_id == inquiry.id)
                             .order_by(InquiryMessage.seq)):
        sealed = m.for_staff if staff else m.for_family
        text = _open(private, sealed)["text"] if sealed else ""
        shown.append(Shown(m.seq, m.author, m.status, text, m.created_on))
    return shown


def open_contents(inquiry: Inquiry, keys: dict[str, PrivateKey]) -> Contents:
    private = keys.get(inquiry.key_id)
    if private is None:
        raise InquiryKeyError(f"inquiry {inquiry.id} is sealed to key {inquiry.key_id}, which the passphrase "
                              "does not open")
    return Contents.from_json(SealedBox(private).decrypt(inquiry.sealed))
