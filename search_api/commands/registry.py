"""``svidok registry``: lists of detainees and other persons (CSV, XLSX) into the person registry."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click


@click.group()
def registry() -> None:
    """The person registry: imported lists of detainees, prisoners of war, deported children …"""


@registry.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--source", required=True, help="Where the list comes from (who published it, when).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def registry_import(path: Path, source: str, as_json: bool) -> None:
    """Import a CSV or XLSX list: columns name, status (required), birth_date, status_date, place, region, source.

    Persons already in the registry (same name in any script and date of birth) are updated, not added twice.
    Bad rows are listed and skipped; exit status 1 when there were any.
    """
    from archive_schema.db import connect
    from archive_schema.settings import Settings
    from ingest.registry import RegistryFileError, import_registry

    from .users import current_name

    database = connect(Settings.from_env(), upgrade=True)
    try:
        with database.sessions.begin() as session:
            report = import_registry(session, path, source=source, actor=current_name())
    except RegistryFileError as exc:
        raise click.ClickException(f"{path.name}: {exc} (nothing imported)") from None
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        click.echo(f"added: {report.added}  updated: {report.updated}  unchanged: {report.unchanged}  "
                   f"rows with errors: {len({e.row for e in report.errors})}  (read as {report.encoding})")
        for error in report.errors[:200]:
            click.echo(f"  {error}")
        if len(report.errors) > 200:
            click.echo(f"  … and {len(report.errors) - 200} more")
        if report.possible_duplicates:
            click.echo("possible duplicates (same name, no date of birth), rows: "
                       + ", ".join(map(str, report.possible_duplicates[:50])))
    sys.exit(1 if report.errors else 0)


@registry.command("match")
@click.argument("name")
@click.option("--birth-date", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD")
def registry_match(name: str, birth_date: dt.datetime | None) -> None:
    """Registry persons and person entities matching NAME in any script (Коваленко = Kovalenko)."""
    from archive_schema.db import connect
    from archive_schema.settings import Settings
    from ingest.registry import match_persons

    database = connect(Settings.from_env(), upgrade=True)
    try:
        with database.reader() as session:
            found = match_persons(session, name, birth_date.date() if birth_date else None)
            for kind, how, row in found:
                click.echo(describe(kind, how, row))
    finally:
        database.dispose()
    if not found:
        click.echo("no match")


def describe(kind: str, how: str, row) -> str:
    if kind == "registry":
        born = f", born {row.birth_date}" if row.birth_date else ""
        since = f" since {row.status_date}" if row.status_date else ""
        where = f", {row.place}" if row.place else ""
        return (f"registry {row.id}: {row.name}{born}: {row.status}{since}{where} "
                f"[{'; '.join(row.sources or [])}] (matched on {how})")
    return f"entity {row.id}: {row.name} (person in the evidence; matched on {how})"
