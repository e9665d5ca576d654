"""The access policy: the one module that decides who may do what. Deny by default.

Every API route, web page and CLI command names one *action* (the constants below); ``can(actor, action, obj)``
decides it, and the query builders (``item_filter``, ``item_id_visible``, ``search_access``) express the same
decision as filters inside SQL and search queries, so nothing is fetched and then dropped.

The matrix (``ROLE_ACTIONS`` and ``ROLE_CLASSIFICATIONS``):

================  ============================================================================================
role              may
================  ============================================================================================
(anonymous)       read the API description (``spec.read``), sign in (``public``), and list, read and download
                  items classified *public* (published material: ``public`` means publishable); nothing else —
                  no search, no entities, no cases, no writes
viewer            search and read *public* items (metadata, pages, originals), collections, entities, status;
                  cases they are members of, read only; make API tokens for themselves
archivist         viewer + upload and edit item metadata, import registry lists; sees *public* and
                  *confidential*; reads custody
investigator      viewer + entity work (merge, split, rename), families' inquiries (read, answer), the person
                  registry; sees *public* and *confidential*; reads custody; works on cases they are members of
lawyer            viewer + creates cases and works on cases they are members of, reads the person registry; sees
                  *public* items, and every item (any classification, *under_seal* included) that is an exhibit
                  of one of their cases
admin             everything: all items, users and roles, the audit log, system commands
================  ============================================================================================

Case membership (``CaseMember``: lead, lawyer, investigator, viewer) adds, for any role: seeing every exhibit of
the case whatever its classification, reading the case; members other than ``viewer`` also edit it (if their
role edits cases), ``lead`` and ``lawyer`` members export it, the ``lead`` manages its members. So an
*under_seal* item is seen only by admins and by members of a case holding it.

Who acts: a signed-in user, ``ANONYMOUS``, or the local operator (``operator()``): someone with shell access
to ``SVIDOK_HOME`` running ``svidok`` without ``--as``. Shell access to the database and blobs is full access
anyway, so the operator is allowed everything and recorded in the audit as ``cli:<login name>``.

``acting_as(actor)`` sets the actor for code that cannot be handed one (``xref``'s queries, ``cases.
visible_items``); with nobody set, those see nothing.
"""
from __future__ import annotations

import contextlib
import contextvars
import getpass
import os
from dataclasses import dataclass, field
from typing import Iterator, Mapping

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session, object_session

from .accounts import Role, User
from .models import Case, CaseMember, EvidenceItem, Exhibit
from .search.query import Access, Grant
from .vocab import Classification

# --- actions ----------------------------------------------------------------------------------------------------

PUBLIC = "public"                  # anyone, signed in or not: the sign-in page, static files
SPEC_READ = "spec.read"            # the OpenAPI document
SIGNED_IN = "session"              # any signed-in user: sign out, their own account
STATUS_READ = "status.read"
ITEM_LIST = "item.list"
ITEM_READ = "item.read"            # metadata and page text
ITEM_DOWNLOAD = "item.download"    # the original bytes
ITEM_UPLOAD = "item.upload"
ITEM_EDIT = "item.edit"            # metadata, classification
CUSTODY_READ = "custody.read"
COLLECTION_LIST = "collection.list"
SEARCH = "search"
ENTITY_READ = "entity.read"
ENTITY_EDIT = "entity.edit"        # merge, split, rename
CASE_LIST = "case.list"            # lists only the cases the actor may read
CASE_CREATE = "case.create"
CASE_READ = "case.read"
CASE_EDIT = "case.edit"            # exhibits, chronology, persons, qualifications
CASE_EXPORT = "case.export"
CASE_MEMBERS = "case.members"
TOKEN_CREATE = "token.create"      # for oneself; for others it takes USER_MANAGE
USER_MANAGE = "user.manage"        # add, change role, disable, list
AUDIT_READ = "audit.read"
AUDIT_VERIFY = "audit.verify"
INQUIRY_READ = "inquiry.read"      # families' inquiries (opening their contents also takes the private key)
INQUIRY_ANSWER = "inquiry.answer"  # status updates and messages to a family
REGISTRY_READ = "registry.read"    # the person registry and its matches
REGISTRY_IMPORT = "registry.import"
SYSTEM = "system"                  # database upgrades, reindexing, reprocessing, serving, workers, demo, keys

ACTIONS = (PUBLIC, SPEC_READ, SIGNED_IN, STATUS_READ, ITEM_LIST, ITEM_READ, ITEM_DOWNLOAD, ITEM_UPLOAD, ITEM_EDIT,
           CUSTODY_READ, COLLECTION_LIST, SEARCH, ENTITY_READ, ENTITY_EDIT, CASE_LIST, CASE_CREATE, CASE_READ,
           CASE_EDIT, CASE_EXPORT, CASE_MEMBERS, TOKEN_CREATE, USER_MANAGE, AUDIT_READ, AUDIT_VERIFY, INQUIRY_READ,
           INQUIRY_ANSWER, REGISTRY_READ, REGISTRY_IMPORT, SYSTEM)

ANONYMOUS_ACTIONS = frozenset({PUBLIC, SPEC_READ, ITEM_LIST, ITEM_READ, ITEM_DOWNLOAD})
#: what an anonymous caller sees: published items only
ANONYMOUS_CLASSIFICATIONS = frozenset({Classification.public.value})
_READER = frozenset({PUBLIC, SPEC_READ, SIGNED_IN, STATUS_READ, ITEM_LIST, ITEM_READ, ITEM_DOWNLOAD,
                     COLLECTION_LIST, SEARCH, ENTITY_READ, CASE_LIST, CASE_READ, TOKEN_CREATE})
ROLE_ACTIONS: Mapping[str, frozenset[str]] = {
    Role.viewer: _READER,
    Role.archivist: _READER | {ITEM_UPLOAD, ITEM_EDIT, CUSTODY_READ, REGISTRY_IMPORT},
    Role.investigator: _READER | {CUSTODY_READ, ENTITY_EDIT, CASE_EDIT, INQUIRY_READ, INQUIRY_ANSWER, REGISTRY_READ},
    Role.lawyer: _READER | {CUSTODY_READ, CASE_CREATE, CASE_EDIT, CASE_EXPORT, CASE_MEMBERS, REGISTRY_READ},
    Role.admin: frozenset(ACTIONS),
}
_ALL = frozenset(c.value for c in Classification)
#: classifications a role sees without being a member of a case
ROLE_CLASSIFICATIONS: Mapping[str, frozenset[str]] = {
    Role.viewer: frozenset({"public"}),
    Role.archivist: frozenset({"public", "confidential"}),
    Role.investigator: frozenset({"public", "confidential"}),
    Role.lawyer: frozenset({"public"}),
    Role.admin: _ALL,
}
#: what a case member (by their role in the case) may do to the case, on top of reading it
MEMBER_ACTIONS: Mapping[str, frozenset[str]] = {
    "lead": frozenset({CASE_READ, CASE_EDIT, CASE_EXPORT, CASE_MEMBERS}),
    "lawyer": frozenset({CASE_READ, CASE_EDIT, CASE_EXPORT}),
    "investigator": frozenset({CASE_READ, CASE_EDIT}),
    "viewer": frozenset({CASE_READ}),
}
ITEM_ACTIONS = frozenset({ITEM_READ, ITEM_DOWNLOAD, ITEM_EDIT, CUSTODY_READ})
CASE_ACTIONS = frozenset({CASE_READ, CASE_EDIT, CASE_EXPORT, CASE_MEMBERS})


# --- who acts ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """Who is acting. ``name`` is what audit events record; ``cases`` maps case id to the member role."""

    name: str
    role: str | None  # None: anonymous
    kind: str = "user"  # user, anonymous, operator
    user_id: str | None = None
    cases: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


ANONYMOUS = Actor("anonymous", None, "anonymous")


def operator() -> Actor:
    """The local operator: ``svidok`` run from a shell without ``--as`` (full access, see the module doc)."""
    login = os.environ.get("USER") or os.environ.get("USERNAME")
    if not login:
        try:
            login = getpass.getuser()
        except Exception:  # no passwd entry (containers)
            login = "unknown"
    return Actor(f"cli:{login}", Role.admin.value, "operator")


def acting_name() -> str:
    """The name audit events record for whoever acts now: the current actor, else the local operator."""
    return (current() or operator()).name


def actor_for(session: Session, user: User) -> Actor:
    """The actor for an active user, with their case memberships; a disabled user is anonymous."""
    if not user.active:
        return ANONYMOUS
    cases = dict(session.execute(select(CaseMember.case_id, CaseMember.role)
                                 .where(CaseMember.user == user.username)).all())
    return Actor(user.username, user.role, "user", user.id, cases)


_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("svidok_actor", default=None)


def current() -> Actor | None:
    """The actor set by ``acting_as`` (a web request, a CLI command), or None."""
    return _current.get()


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def set_current(actor: Actor | None) -> contextvars.Token:
    """For frameworks with separate begin/end hooks (Flask's before/teardown request); undo with ``reset``."""
    return _current.set(actor)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


# --- decisions --------------------------------------------------------------------------------------------------

def may(actor: Actor, action: str) -> bool:
    """May the actor ever do ``action`` (to something)? The route- and command-level check."""
    if action not in ACTIONS:
        return False
    if actor.kind == "anonymous" or actor.role is None:
        return action in ANONYMOUS_ACTIONS
    return action in ROLE_ACTIONS.get(actor.role, ANONYMOUS_ACTIONS)


def can(actor: Actor, action: str, obj: object = None) -> bool:
    """May the actor do ``action`` to ``obj``: an ``EvidenceItem``, a ``Case``, a ``User`` or None."""
    if not may(actor, action):
        return False
    if obj is None:
        return True
    if isinstance(obj, EvidenceItem):
        return action in ITEM_ACTIONS and item_visible(actor, obj)
    if isinstance(obj, Case):
        if action not in CASE_ACTIONS:
            return False
        if actor.is_admin:
            return True
        return action in MEMBER_ACTIONS.get(actor.cases.get(obj.id, ""), frozenset())
    if isinstance(obj, User):
        if action == TOKEN_CREATE and obj.id == actor.user_id:
            return True
        return action in (USER_MANAGE, TOKEN_CREATE) and may(actor, USER_MANAGE)
    return False


def item_filter(actor: Actor) -> ColumnElement[bool]:
    """The items the actor sees, as a criterion on ``EvidenceItem``."""
    if actor.role is None:
        return EvidenceItem.classification.in_(sorted(ANONYMOUS_CLASSIFICATIONS))
    if actor.is_admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    classes = ROLE_CLASSIFICATIONS.get(actor.role, frozenset())
    if classes:
        clauses.append(EvidenceItem.classification.in_(sorted(classes)))
    if actor.cases:
        clauses.append(EvidenceItem.id.in_(select(Exhibit.item_id)
                                           .where(Exhibit.case_id.in_(sorted(actor.cases)))))
    return or_(*clauses) if clauses else false()


def item_id_visible(actor: Actor | None, item_id: ColumnElement) -> ColumnElement[bool]:
    """The items the actor sees, as a criterion on any item id column (``Mention.item_id`` …)."""
    if actor is None:
        return false()
    if actor.is_admin:
        return true()
    return item_id.in_(select(EvidenceItem.id).where(item_filter(actor)))


def item_visible(actor: Actor, item: EvidenceItem) -> bool:
    if actor.is_admin:
        return True
    if actor.role is None:
        return item.classification in ANONYMOUS_CLASSIFICATIONS
    if item.classification in ROLE_CLASSIFICATIONS.get(actor.role, frozenset()):
        return True
    session = object_session(item)
    if not actor.cases or session is None:
        return False
    return session.scalar(select(Exhibit.id).where(Exhibit.item_id == item.id,
                                                   Exhibit.case_id.in_(sorted(actor.cases))).limit(1)) is not None


def case_filter(actor: Actor) -> ColumnElement[bool]:
    """The cases the actor may read, as a criterion on ``Case``."""
    if actor.is_admin:
        return true()
    if actor.role is None or not actor.cases:
        return false()
    return Case.id.in_(sorted(actor.cases))


def search_access(actor: Actor) -> Access:
    """What the actor finds in search: the same decision as ``item_filter``, for the search backends."""
    if actor.role is None:
        return Access(())
    if actor.is_admin:
        return Access.everything()
    grants = []
    classes = ROLE_CLASSIFICATIONS.get(actor.role, frozenset())
    if classes:
        grants.append(Grant(frozenset(classes)))
    if actor.cases:
        grants.append(Grant(_ALL, frozenset(actor.cases)))
    return Access(tuple(grants))


def resolve(session: Session, name: str) -> Actor:
    """The actor for a name handed down as a string: the current actor when one is set (the string is then
    only its audit label), else the active user of that name; anyone else sees nothing."""
    actor = current()
    if actor is not None:
        return actor
    from .accounts import find_user

    user = find_user(session, name)
    return actor_for(session, user) if user is not None else ANONYMOUS
