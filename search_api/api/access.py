"""Who is asking, and may they. The one place an access policy will go when authentication arrives.

Today there are no users: every request acts as ``anonymous``, and that is what the audit chain records.
"""
from __future__ import annotations

ANONYMOUS = "anonymous"


def current_actor() -> str:
    """The actor recorded in audit events for this request."""
    return ANONYMOUS
