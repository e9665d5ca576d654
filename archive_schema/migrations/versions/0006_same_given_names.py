"""Person keys make one name of the spellings Ukrainian and Russian give one given name (Микола, Николай).

Data only: the keys of person entities and registry persons are recomputed from their words' keys by
``archive_schema.search.analysis.person_name_key``. Run ``svidok reprocess --stage nlp`` afterwards: entities that
now share a key and a patronymic are one person to new mentions, and reprocessing moves the mentions of the younger
to the older (decisions people took are kept). Not reversible: several old keys become one, so the downgrade leaves
them as they are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 20:40:00
"""
from alembic import op
import sqlalchemy as sa

from archive_schema.search.analysis import person_name_key

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 1000


def _rekey(table: str, column: str, where: str = "") -> None:
    conn = op.get_bind()
    changed = []
    for id, key in conn.execute(sa.text(f"SELECT id, {column} FROM {table} {where}")).all():
        new = person_name_key([key or ""])[:500]
        if new != key:
            changed.append({"id": id, "key": new})
    for start in range(0, len(changed), BATCH):
        conn.execute(sa.text(f"UPDATE {table} SET {column} = :key WHERE id = :id"), changed[start:start + BATCH])


def upgrade() -> None:
    _rekey("entity", "key", "WHERE kind = 'person'")
    _rekey("registry_person", "name_key")


def downgrade() -> None:
    pass  # the old keys cannot be told back from the new ones (see above)
