"""Stable, opaque, time-ordered identifiers (UUIDv7, RFC 9562)."""
from uuid6 import uuid7


def new_id() -> str:
    return str(uuid7())
