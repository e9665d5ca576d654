"""``svidok case …`` (build a case and export its bundle) and ``svidok bundle verify``."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Iterator

import click

from archive_schema import cases as case_records, policy
from archive_schema.settings import Settings

FORUMS = click.Choice(list(case_records.FORUMS))


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _actor() -> str:
    """Who acts, as the audit chain records it: the ``--as`` user, else the login running the command."""
    return policy.acting_name()


@contextlib.contextmanager
def _context() -> Iterator:
    from ingest.pipeline import Context

    from ingest.pipeline import index_pending

    ctx = Context.open(_settings())
    try:
        yield ctx
        index_pending(ctx)  # exhibits change who finds an item in search
    except case_records.CaseError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        ctx.close()


@click.group()
def case() -> None:
    """Case files: exhibits, chronology, persons, and court bundles (ECHR, ICC)."""


@case.command("create")
@click.option("--forum", type=FORUMS, required=True)
@click.option("--title", required=True)
@click.option("--respondent", "respondent_state", default="", help="Respondent State, e.g. Russia.")
@click.option("--reference", default="", help="Short ASCII reference stamped on every bundle page.")
@click.option("--prefix", "exhibit_prefix", default="", help="Exhibit numbers as PREFIX-n (e.g. A-1).")
@click.option("--final-decision", type=click.DateTime(["%Y-%m-%d"]),
              help="Date of the final domestic decision (starts the ECHR time limit).")
def case_create(forum: str, title: str, respondent_state: str, reference: str, exhibit_prefix: str,
                final_decision: dt.datetime | None) -> None:
    """Create a case; prints its id."""
    with _context() as ctx, ctx.db.sessions.begin() as session:
        created = case_records.create_case(session, forum=forum, title=title, respondent_state=respondent_state,
                                           reference=reference, exhibit_prefix=exhibit_prefix,
                                           final_domestic_decision=final_decision.date() if final_decision
                                           else None, actor=_actor())
        click.echo(created.id)


@case.command("add-member")
@click.argument("case_id")
@click.argument("user")
@click.option("--role", type=click.Choice(list(case_records.MEMBER_ROLES)), required=True)
def case_add_member(case_id: str, user: str, role: str) -> None:
    """Give a user a role in the case (lead, lawyer, investigator, viewer)."""
    with _context() as ctx, ctx.db.sessions.begin() as session:
        case_records.add_member(session, case_id, user, role, actor=_actor())
    click.echo(f"{user}: {role}")


@case.command("add-person")
@click.argument("case_id")
@click.argument("name")
@click.option("--role", type=click.Choice(list(case_records.PERSON_ROLES)), required=True)
@click.option("--anonymous", is_flag=True, help="Only the pseudonym appears in anything exported.")
@click.option("--pseudonym", default="")
@click.option("--other-name", "other_names", multiple=True, help="The name in another script or spelling.")
@click.option("--contact", default="", help="Kept for the team; never exported.")
def case_add_person(case_id: str, name: str, role: str, anonymous: bool, pseudonym: str,
                    other_names: tuple[str, ...], contact: str) -> None:
    """Add a person (applicant, victim, witness …); prints the id."""
    with _context() as ctx, ctx.db.sessions.begin() as session:
        person = case_records.add_person(session, case_id, name, role, anonymous=anonymous, pseudonym=pseudonym,
                                         other_names=other_names, contact=contact, actor=_actor())
        click.echo(person.id)


@case.command("add-exhibit")
@click.argument("case_id")
@click.argument("item_id")
@click.option("--pages", help="Page range of the item, e.g. 2-5 (all pages without it).")
@click.option("--description", default="")
@click.option("--date", type=click.DateTime(["%Y-%m-%d"]), help="Date of the document (the item's by default).")
def case_add_exhibit(case_id: str, item_id: str, pages: str | None, description: str,
                     date: dt.datetime | None) -> None:
    """Add pages of an item to a case under its next exhibit number; prints the number."""
    with _context() as ctx, ctx.db.sessions.begin() as session:
        exhibit = case_records.add_exhibit(session, case_id, item_id,
                                           pages=case_records.parse_pages(pages) if pages else None,
                                           description=description, date=date.date() if date else None,
                                           actor=_actor())
        click.echo(exhibit.number)


def _show(session, case_id: str) -> dict:
    from ingest.cases import case_warnings

    found = case_records.get_case(session, case_id)
    return {
        "id": found.id, "forum": found.forum, "title": found.title, "reference": found.reference,
        "respondent_state": found.respondent_state, "status": found.status,
        "members": [{"user": m.user, "role": m.role} for m in found.members],
        "exhibits": [{"id": e.id, "number": e.number, "item_id": e.item_id, "pages": [e.page_start, e.page_end],
                      "date": e.date.isoformat() if e.date else None, "description": e.description,
                      "reviewed": e.reviewed} for e in case_records.ordered_exhibits(found, found.forum)],
        "chronology": [{"date": c.date_start.isoformat(), "precision": c.precision, "text": c.text}
                       for c in found.chronology],
        "warnings": [dataclasses.asdict(w) for w in case_warnings(session, case_id)],
    }


@case.command("show")
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def case_show(case_id: str, as_json: bool) -> None:
    """The case, its exhibits in bundle order, its chronology and the warnings before export."""
    with _context() as ctx, ctx.db.reader() as session:
        shown = _show(session, case_id)
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False))
        return
    click.echo(f"{shown['title']} [{shown['forum']}] {shown['reference']}")
    for e in shown["exhibits"]:
        click.echo(f"  {e['number']:>6}  {e['date'] or 'undated':10}  pp. {e['pages'][0]}-{e['pages'][1]}  "
                   f"{e['description']}")
    for w in shown["warnings"]:
        click.echo(f"  warning: {w['message']}")


@case.command("redact")
@click.argument("case_id")
@click.argument("exhibit")
@click.option("--auto", is_flag=True, help="Box every occurrence of the case's anonymous persons' names.")
@click.option("--box", "boxes", multiple=True, metavar="PAGE:x0,y0,x1,y1",
              help="A box in PDF points (origin bottom left of the page), repeatable.")
def case_redact(case_id: str, exhibit: str, auto: bool, boxes: tuple[str, ...]) -> None:
    """Make a redacted copy of an exhibit's item (a new item; the original is kept) and use it in the exhibit.

    EXHIBIT is the exhibit's number (A-3) or id. Pages with a box become images with the boxes burnt in.
    """
    from ingest.redact import parse_box, redact_exhibit

    with _context() as ctx:
        done = redact_exhibit(ctx, case_id, exhibit, boxes=[parse_box(b) for b in boxes], auto=auto,
                              actor=_actor())
    pages = sorted({b.page for b in done.boxes})
    click.echo(f"{exhibit}: now item {done.item_id} (sha256 {done.sha256}), {len(done.boxes)} box(es) on page(s) "
               f"{', '.join(map(str, pages))}; original {done.original_id} (sha256 {done.original_sha256}) kept")


@case.command("renumber")
@click.argument("case_id")
@click.option("--forum", type=click.Choice(["echr", "icc"]), help="Bundle order to number in (the case's own "
              "forum by default).")
def case_renumber(case_id: str, forum: str | None) -> None:
    """Number the exhibits 1..n (PREFIX-1 …) in the forum's bundle order; prints old -> new."""
    with _context() as ctx, ctx.db.sessions.begin() as session:
        before = {e.id: e.number for e in case_records.get_case(session, case_id).exhibits}
        after = case_records.number_exhibits(session, case_id, forum=forum, actor=_actor())
        for exhibit_id, number in after.items():
            click.echo(f"{before[exhibit_id]:>8} -> {number}")


@case.command("export")
@click.argument("case_id")
@click.option("--forum", type=click.Choice(["echr", "icc"]), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
def case_export(case_id: str, forum: str, output: Path) -> None:
    """Write the case's bundle (ZIP) and record its manifest hash in the audit chain."""
    from ingest.bundle import ExportError, export_bundle

    with _context() as ctx:
        try:
            result = export_bundle(ctx, case_id, forum, output, actor=_actor())
        except ExportError as exc:
            raise click.ClickException(f"not exported: {exc}") from None
    for w in result.warnings:
        click.echo(f"warning: {w.message}", err=True)
    click.echo(f"{result.path}: {result.pages} pages, manifest sha256 {result.manifest_sha256}")


@click.group()
def bundle() -> None:
    """Exported bundles."""


@bundle.command("verify")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def bundle_verify(path: Path) -> None:
    """Re-check every hash, the manifest and the page stamps; exit 0 only when all hold."""
    from ingest.bundle import verify_bundle

    problems = verify_bundle(path)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s): the bundle is not as exported")
    click.echo("bundle intact")
