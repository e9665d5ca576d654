"""Family inquiries (sealed), the person registry, and the wrapped data key of encrypted columns.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:49:14.020644
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_key',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rewrapped_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('purpose')
    )
    op.create_table('inquiry_key',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('encrypted_private_key', sa.LargeBinary(), nullable=False),
    sa.Column('salt', sa.LargeBinary(), nullable=False),
    sa.Column('opslimit', sa.Integer(), nullable=False),
    sa.Column('memlimit', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('inquiry',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('lookup', sa.String(length=8), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('family_public_key', sa.LargeBinary(), nullable=False),
    sa.Column('key_id', sa.String(length=36), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['key_id'], ['inquiry_key.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lookup')
    )
    op.create_table('registry_person',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('name_key', sa.String(length=500), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('region', sa.String(length=200), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entity.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('registry_person', schema=None) as batch_op:
        batch_op.create_index('ix_registry_person_key', ['name_key', 'birth_date'], unique=False)
        batch_op.create_index('ix_registry_person_status', ['status'], unique=False)

    op.create_table('inquiry_message',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('inquiry_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('for_family', sa.LargeBinary(), nullable=True),
    sa.Column('for_staff', sa.LargeBinary(), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiry.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inquiry_message', schema=None) as batch_op:
        batch_op.create_index('ix_inquiry_message_inquiry', ['inquiry_id', 'seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inquiry_message', schema=None) as batch_op:
        batch_op.drop_index('ix_inquiry_message_inquiry')

    op.drop_table('inquiry_message')
    with op.batch_alter_table('registry_person', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_person_status')
        batch_op.drop_index('ix_registry_person_key')

    op.drop_table('registry_person')
    op.drop_table('inquiry')
    op.drop_table('inquiry_key')
    op.drop_table('data_key')
