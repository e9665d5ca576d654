"""``svidok entity …`` (cross-references and people's decisions), ``svidok reprocess`` and ``svidok eval-nlp``."""
from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path
from typing import Any, Iterator

import click
from sqlalchemy.orm import Session

from archive_schema import policy, xref
from archive_schema.db import Database, connect
from archive_schema.settings import Settings

KINDS = click.Choice(["person", "place", "facility", "org"])


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@contextlib.contextmanager
def _database() -> Iterator[Database]:
    database = connect(_settings(), upgrade=True)
    try:
        yield database
    finally:
        database.dispose()


@contextlib.contextmanager
def _reading() -> Iterator[Session]:
    with _database() as database, database.reader() as session:
        yield session


def _actor() -> str:
    """Who acts, as the audit chain records it: the ``--as`` user, else the login running the command."""
    return policy.acting_name()


def _echo_json(value: Any) -> None:
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


def _found(answer, what: str):
    if answer is None:
        raise click.ClickException(f"no entity {what}")
    return answer


def _ref(entity: xref.EntityRef) -> str:
    return f"{entity.name} ({entity.kind} {entity.id})"


as_json = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


@click.group()
def entity() -> None:
    """People, places, facilities and organisations found in the evidence."""


@entity.command("list")
@click.option("--kind", type=KINDS)
@click.option("--q", help="Part of a name, in any script or case form.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--size", type=click.IntRange(1, 1000), default=50, show_default=True)
@as_json
def entity_list(kind: str | None, q: str | None, page: int, size: int, as_json: bool) -> None:
    """Entities not merged away, most mentioned first."""
    with _reading() as session:
        found = xref.list_entities(session, kind=kind, q=q, page=page, size=size)
    if as_json:
        return _echo_json(found)
    for row in found.entities:
        click.echo(f"{row.id}  {row.kind:<8} {row.mentions:>6}  {row.name}")
    click.echo(f"{found.total} entities" + (f" (page {page})" if found.total > size else ""))


@entity.command("show")
@click.argument("entity_id")
@as_json
def entity_show(entity_id: str, as_json: bool) -> None:
    """One entity: names, mentions per label and item, decisions."""
    with _reading() as session:
        summary = _found(xref.entity_summary(session, entity_id), entity_id)
    if as_json:
        return _echo_json(summary)
    click.echo(f"{summary.name} ({summary.kind}, {summary.origin}) {summary.id}")
    if summary.merged_into:
        click.echo(f"merged into {summary.merged_into}")
    click.echo("names: " + "; ".join(summary.names))
    click.echo(f"mentions: {summary.mentions} (" + ", ".join(f"{c.key} {c.count}" for c in summary.by_label) + ")")
    for count in summary.by_item:
        click.echo(f"  item {count.key}: {count.count}")
    for other in summary.namesakes:
        click.echo(f"same name: {other.id}  {other.name} ({other.mentions} mentions)")
    for decision in summary.decisions:
        click.echo(f"{decision.at:%Y-%m-%d %H:%M} {decision.actor} {decision.action} "
                   f"{decision.other_id or ''} {json.dumps(decision.details, ensure_ascii=False)}")


@entity.command("documents")
@click.argument("entity_id")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--size", type=click.IntRange(1, 1000), default=50, show_default=True)
@as_json
def entity_documents(entity_id: str, page: int, size: int, as_json: bool) -> None:
    """Items naming the entity, and the pages it is named on."""
    with _reading() as session:
        found = _found(xref.entity_documents(session, entity_id, page=page, size=size), entity_id)
    if as_json:
        return _echo_json(found)
    click.echo(f"{_ref(found.entity)}: named in {found.total} items")
    for doc in found.documents:
        pages = ", ".join(map(str, doc.pages))
        click.echo(f"{doc.item_id}  {doc.title or doc.filename}  ({doc.doc_type}; {doc.mentions} mentions; "
                   f"p. {pages})")
        for mention in doc.occurrences:
            click.echo(f"  mention {mention.id}  p.{mention.page} [{mention.start}:{mention.end}]  {mention.text}")


@entity.command("cooccur")
@click.argument("entity_id")
@click.option("--scope", type=click.Choice(["page", "item"]), default="page", show_default=True)
@click.option("--kind", type=KINDS)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@as_json
def entity_cooccur(entity_id: str, scope: str, kind: str | None, limit: int, as_json: bool) -> None:
    """Other entities named on the same pages (or items), with how many they share."""
    with _reading() as session:
        subject, found = _found(xref.cooccurring(session, entity_id, scope=scope, kind=kind, limit=limit), entity_id)
    if as_json:
        return _echo_json({"entity": dataclasses.asdict(subject), "scope": scope,
                           "cooccurring": [dataclasses.asdict(c) for c in found]})
    click.echo(f"{_ref(subject)}: named with")
    for other in found:
        click.echo(f"  {other.pages:>5} pages {other.items:>5} items  {_ref(other.entity)}")


@entity.command("timeline")
@click.argument("entity_id")
@click.option("--window", type=click.IntRange(0), default=300, show_default=True,
              help="Characters between a date and the entity for the date to count as near.")
@as_json
def entity_timeline(entity_id: str, window: int, as_json: bool) -> None:
    """Dates named near the entity, in date order (weight 1.0 near it, 0.5 elsewhere on the page)."""
    with _reading() as session:
        subject, events = _found(xref.timeline(session, entity_id, window=window), entity_id)
    if as_json:
        return _echo_json({"entity": dataclasses.asdict(subject), "window": window,
                           "events": [dataclasses.asdict(e) for e in events]})
    click.echo(f"{_ref(subject)}: {len(events)} dated mentions")
    for event in events:
        click.echo(f"{event.date:<23} {event.weight:.1f}  {event.item_id} p.{event.page}  {event.snippet}")


@entity.command("pair")
@click.argument("a")
@click.argument("b")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@as_json
def entity_pair(a: str, b: str, limit: int, as_json: bool) -> None:
    """Pages naming both A and B, with the text around them."""
    with _reading() as session:
        first, second, pages = _found(xref.pairs(session, a, b, limit=limit), f"{a} or {b}")
    if as_json:
        return _echo_json({"a": dataclasses.asdict(first), "b": dataclasses.asdict(second),
                           "pages": [dataclasses.asdict(p) for p in pages]})
    click.echo(f"{_ref(first)} with {_ref(second)}: {len(pages)} pages")
    for page in pages:
        click.echo(f"{page.item_id} p.{page.page}  {page.snippet}")


@entity.command("pins")
@click.option("--state", type=click.Choice(xref.PIN_STATES),
              help="Only pins in this state (lost: no mention carries the decision any more).")
@click.option("--entity", "entity_id", help="Only the pins of this entity.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@as_json
def entity_pins(state: str | None, entity_id: str | None, limit: int, as_json: bool) -> None:
    """Split decisions and whether today's mentions still carry them (a new model may move a mention)."""
    with _reading() as session:
        found = xref.pins(session, state=state, entity_id=entity_id, limit=limit)
    if as_json:
        return _echo_json(found)
    for pin in found.pins:
        click.echo(f"{pin.state:<5}  {pin.id}  {pin.item_id} p.{pin.page} [{pin.start}:{pin.end}] {pin.text!r} -> "
                   f"{_ref(pin.entity)}  ({pin.actor}, {pin.at:%Y-%m-%d})")
        if pin.state == "lost":
            click.echo(f"       {pin.snippet}")
    click.echo(f"{found.total} pins: " + ", ".join(f"{n} {name}" for name, n in found.counts.items()))


def _decide(decide, as_json: bool) -> None:
    """Run one decision in its own transaction and show the entity it leaves."""
    from ingest.entities import DecisionError

    with _database() as database:
        try:
            with database.sessions.begin() as session:
                entity_id = decide(session).id
        except DecisionError as exc:
            raise click.ClickException(str(exc)) from None
        with database.reader() as session:
            summary = xref.entity_summary(session, entity_id)
    if as_json:
        return _echo_json(summary)
    click.echo(f"{summary.name} ({summary.kind} {summary.id}): {summary.mentions} mentions")


@entity.command("merge")
@click.argument("keep")
@click.argument("other")
@as_json
def entity_merge(keep: str, other: str, as_json: bool) -> None:
    """Merge OTHER into KEEP: names and mentions move, OTHER forwards to KEEP, also after reprocessing."""
    from ingest.entities import merge

    _decide(lambda session: merge(session, keep, other, actor=_actor()), as_json)


@entity.command("split")
@click.argument("entity_id")
@click.argument("mentions", nargs=-1, required=True)
@click.option("--name", help="Name of the new entity (default: the first mention's).")
@as_json
def entity_split(entity_id: str, mentions: tuple[str, ...], name: str | None, as_json: bool) -> None:
    """Move MENTIONS (ids, as `entity documents` lists them) to a new entity, pinned there across reprocessing."""
    from ingest.entities import split

    _decide(lambda session: split(session, entity_id, list(mentions), actor=_actor(), name=name), as_json)


@entity.command("withdraw")
@click.argument("pin_id")
@as_json
def entity_withdraw(pin_id: str, as_json: bool) -> None:
    """Withdraw split decision PIN_ID (as `entity pins --state lost` lists it) that no mention carries any more."""
    from ingest.entities import withdraw

    _decide(lambda session: withdraw(session, pin_id, actor=_actor()), as_json)


@entity.command("rename")
@click.argument("entity_id")
@click.argument("name")
@as_json
def entity_rename(entity_id: str, name: str, as_json: bool) -> None:
    """Name the entity by hand; machine resolution never renames it afterwards."""
    from ingest.entities import rename

    _decide(lambda session: rename(session, entity_id, name, actor=_actor()), as_json)


@click.command()
@click.option("--stage", required=True, help="The stage to run again (with the stages after it), e.g. nlp.")
@click.option("--collection", help="Only the items of this collection.")
@as_json
def reprocess(stage: str, collection: str | None, as_json: bool) -> None:
    """Run a pipeline stage again for every item (or a collection's); people's decisions survive."""
    from ingest.pipeline import Context, process, reprocess as run_again

    ctx = Context.open(_settings())
    try:
        count = run_again(ctx, stage, lambda item_id: process(ctx, item_id), collection=collection,
                          actor=_actor())
        with ctx.db.reader() as session:  # the decisions the new mentions no longer carry
            lost = xref.pin_counts(session)["lost"]
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        ctx.close()
    if as_json:
        return _echo_json({"stage": stage, "collection": collection, "items": count, "lost_pins": lost})
    click.echo(f"stage {stage} run again for {count} items" + (f" of {collection}" if collection else ""))
    if lost:
        click.echo(f"{lost} split decisions are carried by no mention now: see `svidok entity pins --state lost`",
                   err=True)


@click.command("eval-nlp")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--detect", is_flag=True, help="Detect the language per paragraph instead of using the file's.")
@click.option("--facility-as", type=click.Choice(["LOCATION", "ORG", "ignore"]), default="LOCATION",
              show_default=True, help="How FACILITY mentions are scored against the gold labels.")
@as_json
def eval_nlp(files: tuple[Path, ...], detect: bool, facility_as: str, as_json: bool) -> None:
    """Precision, recall and F1 per label and language on annotated JSONL (exact and overlap span match)."""
    from nlp.evaluate import evaluate

    reports = {str(path): evaluate(path, detect=detect, facility_as=facility_as) for path in files}
    if not as_json:
        for path, report in reports.items():
            click.echo(f"== {path}")
            click.echo(report.format())
        return None
    _echo_json({path: {lang: {"documents": report.documents[lang], **{
        matching: {label: {"precision": round(c.precision, 4), "recall": round(c.recall, 4), "f1": round(c.f1, 4),
                           "gold": c.tp + c.fn, "predicted": c.tp + c.fp} for label, c in labels.items()}
        for matching, labels in by_matching.items()}} for lang, by_matching in report.counts.items()}
        for path, report in reports.items()})
