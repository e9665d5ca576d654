"""``svidok search``, ``svidok reindex`` and ``svidok index check|sync``: the derived search index."""
from __future__ import annotations

import contextlib
import json
import re

import click

from archive_schema.search import FACETS, Access, Query, SearchError
from archive_schema.search.sync import check, reindex as rebuild_index, sync
from archive_schema.settings import Settings

_TAGS = re.compile(r"</?mark>")


@contextlib.contextmanager
def _context():
    """The pipeline context for one command; search errors become a clear message and exit status 1."""
    from ingest.pipeline import Context

    try:
        ctx = Context.open(Settings.from_env())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield ctx
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        ctx.close()


@click.command()
@click.argument("query", nargs=-1)
@click.option("--page", default=1, show_default=True)
@click.option("--size", default=10, show_default=True)
@click.option("--facet", "facets", multiple=True, type=click.Choice(FACETS), help="Facets to count (repeatable).")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def search(query: tuple[str, ...], page: int, size: int, facets: tuple[str, ...], sort: str, as_json: bool) -> None:
    """Search every page: words in any case form or script, "phrases", OR, -not, prefix*, fuzzy~,
    person: place: facility: type: lang: collection: case: date:2022-03-01..2022-06-30.

    From the command line every classification is searched (the operator runs it on the server).
    """
    with _context() as ctx:
        ctx.search.refresh()
        results = ctx.search.search(Query.parse(" ".join(query), access=Access.everything(), page=page, size=size,
                                                facets=facets, sort=sort))
    if as_json:
        click.echo(json.dumps(results_json(results), ensure_ascii=False))
        return
    click.echo(f"{results.total_items} items, {results.total_pages} pages ({results.took_ms:.1f} ms)")
    for hit in results.items:
        click.echo(f"\n{hit.title or '(untitled)'}  [{hit.doc_type}, {hit.language or '?'}]  item {hit.item_id}")
        for page_hit in hit.pages:
            click.echo(f"  p. {page_hit.page_number}: {_TAGS.sub('*', page_hit.snippet)}")
    for name, buckets in results.facets.items():
        click.echo(f"\n{name}: " + ", ".join(f"{b.label} ({b.count})" for b in buckets))


def results_json(results) -> dict:
    return {
        "total_items": results.total_items, "total_pages": results.total_pages, "took_ms": results.took_ms,
        "items": [{"item_id": h.item_id, "title": h.title, "collection": h.collection, "doc_type": h.doc_type,
                   "language": h.language, "classification": h.classification,
                   "date_start": h.date_start.isoformat() if h.date_start else None,
                   "date_end": h.date_end.isoformat() if h.date_end else None, "score": h.score,
                   "matching_pages": h.matching_pages,
                   "pages": [{"page_id": p.page_id, "number": p.page_number, "score": p.score, "snippet": p.snippet}
                             for p in h.pages]} for h in results.items],
        "facets": {name: [{"value": b.value, "label": b.label, "count": b.count} for b in buckets]
                   for name, buckets in results.facets.items()},
    }


@click.command()
def reindex() -> None:
    """Rebuild the search index from SQL and swap it in (searches go on meanwhile)."""
    with _context() as ctx:
        written = rebuild_index(ctx.db, ctx.search)
    click.echo(f"index rebuilt: {written} pages")


@click.group()
def index() -> None:
    """The search index (derived from SQL)."""


@index.command("check")
@click.option("--json", "as_json", is_flag=True)
def index_check(as_json: bool) -> None:
    """Compare SQL and the index; exit 1 when pages are missing or extra, or an older svidok built the index."""
    with _context() as ctx:
        drift = check(ctx.db, ctx.search)
    if as_json:
        click.echo(json.dumps(drift.__dict__ | {"clean": drift.clean}))
    else:
        click.echo(f"pages in SQL: {drift.sql_pages}; in the index: {drift.index_pages}; "
                   f"missing: {drift.missing_count}; extra: {drift.extra_count}; index writes waiting: {drift.pending}")
        for page_id in drift.missing:
            click.echo(f"  missing {page_id}")
        for page_id in drift.extra:
            click.echo(f"  extra   {page_id}")
        for name in drift.outdated:
            click.echo(f"  index {name} was built by an older svidok: run `svidok reindex`")
    if not drift.clean:
        raise SystemExit(1)


@index.command("sync")
def index_sync() -> None:
    """Write what the outbox promised to the index (normally done by ingest and workers)."""
    with _context() as ctx:
        written = sync(ctx.db, ctx.search)
    click.echo(f"indexed {written} items")
