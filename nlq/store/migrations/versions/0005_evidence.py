"""Keep each answer's evidence: its one-sentence summary, what its SQL does in words, and its trust checks.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("summary", sa.Text))
        batch.add_column(sa.Column("explanation", sa.Text))  # JSON: a list of sentences
        batch.add_column(sa.Column("checks", sa.Text))  # JSON: a list of {kind, message}


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("checks")
        batch.drop_column("explanation")
        batch.drop_column("summary")
