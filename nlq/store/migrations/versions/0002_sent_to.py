"""Record with each answer what left the machine for it, and to where.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("sent_to", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("sent_to")
