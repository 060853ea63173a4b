"""The question cache moves into the store (so app instances sharing it share the cache), and an answer
refused before any route was tried is logged without a route.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cached_sql",
        sa.Column("database", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("question_key", sa.String(64), primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("sql", sa.Text, nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("stored_at", sa.DateTime, nullable=False),
    )
    with op.batch_alter_table("answers") as batch:
        batch.alter_column("route", existing_type=sa.String(20), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.alter_column("route", existing_type=sa.String(20), nullable=False)
    op.drop_table("cached_sql")
