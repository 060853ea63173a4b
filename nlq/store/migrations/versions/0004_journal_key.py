"""Entries that waited in the local journal while the store was down carry a key, so that replaying the
journal adds each exactly once.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("entry_key", sa.String(32)))
        batch.create_unique_constraint("uq_answers_entry_key", ["entry_key"])


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_constraint("uq_answers_entry_key", type_="unique")
        batch.drop_column("entry_key")
