"""``svidok images similar ITEM``: photos that are near-duplicates of an item's (perceptual hash)."""
from __future__ import annotations

import json

import click

from archive_schema.models import EvidenceItem
from ingest.images import MAX_DISTANCE, PHASH, similar as find_similar

from .entities import _reading


@click.group()
def images() -> None:
    """Photos and scans: near-duplicates across uploads."""


@images.command("similar")
@click.argument("item_id")
@click.option("--max-distance", default=MAX_DISTANCE, show_default=True, type=click.IntRange(0, 64),
              help="Most bits (of 64) in which two perceptual hashes may differ.")
@click.option("--json", "as_json", is_flag=True, help="One JSON list: [{id, filename, distance}, …].")
def similar(item_id: str, max_distance: int, as_json: bool) -> None:
    """List the items whose photo is a near-duplicate of ITEM's, closest first."""
    with _reading() as session:
        item = session.get(EvidenceItem, item_id)
        if item is None:
            raise click.ClickException(f"no item {item_id}")
        if not (item.properties or {}).get(PHASH):
            raise click.ClickException(f"item {item_id} ({item.filename}) has no perceptual hash: it is not an "
                                       f"image, or the ocr stage has not run on it yet (state {item.state})")
        found = find_similar(session, item_id, max_distance)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    if not found:
        click.echo(f"no near-duplicates of {item.filename} within {max_distance} bits")
        return
    for near in found:
        click.echo(f"{near['distance']:>2} bits  {near['id']}  {near['filename']}")
