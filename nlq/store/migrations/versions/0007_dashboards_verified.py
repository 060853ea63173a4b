"""Dashboards (pinned answers that re-run their SQL) and verified answers (SQL an admin vouches for, answered
before rules and model). A tile keeps SQL, chart choice and formatting, never rows: every view re-runs the
SQL through vetting. The answer log gains which tile or verified answer an answer came from, so History can
show it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboards",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("refresh_seconds", sa.Integer, nullable=False, server_default="3600"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dashboard_tiles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dashboard_id", sa.Integer, sa.ForeignKey("dashboards.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("sql", sa.Text, nullable=False),
        sa.Column("database", sa.String(200)),
        sa.Column("chart", sa.Text),
        sa.Column("formatting", sa.Text),
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id")),
        sa.Column("pinned_by", sa.String(200), nullable=False),
        sa.Column("pinned_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "verified_answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("question_key", sa.String(64), nullable=False, index=True),
        sa.Column("understanding_key", sa.String(64), index=True),
        sa.Column("title", sa.String(200)),
        sa.Column("sql", sa.Text, nullable=False),
        sa.Column("database", sa.String(200)),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id")),
        sa.Column("verified_by", sa.String(200), nullable=False),
        sa.Column("verified_at", sa.DateTime, nullable=False),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("note", sa.Text),
    )
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("tile_id", sa.Integer))
        batch.add_column(sa.Column("verified_id", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("verified_id")
        batch.drop_column("tile_id")
    op.drop_table("verified_answers")
    op.drop_table("dashboard_tiles")
    op.drop_table("dashboards")
