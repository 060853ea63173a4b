"""The HTTP API's rate limit counted in the store: one row per token and clock minute, so every replica of
``python -m nlq serve`` (compose scale, ApiTaskCount) counts against the same limit instead of its own.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_rate",
        sa.Column("token_id", sa.Integer, sa.ForeignKey("api_tokens.id"), primary_key=True),
        sa.Column("minute", sa.Integer, primary_key=True),
        sa.Column("calls", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_rate")
