"""The first store: the answer log, feedback and examples.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asked_at", sa.DateTime, nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("database", sa.String(200)),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("route", sa.String(20), nullable=False),
        sa.Column("route_reason", sa.Text),
        sa.Column("model", sa.String(200)),
        sa.Column("prompt_tokens", sa.Integer),
        sa.Column("completion_tokens", sa.Integer),
        sa.Column("model_seconds", sa.Float),
        sa.Column("sql", sa.Text),
        sa.Column("verdict", sa.String(60)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error_kind", sa.String(60)),
        sa.Column("error_message", sa.Text),
        sa.Column("row_count", sa.Integer),
        sa.Column("total_ms", sa.Float),
        sa.Column("timings", sa.Text),
    )
    op.create_index("ix_answers_asked_at", "answers", ["asked_at"])
    op.create_index("ix_answers_user", "answers", ["user"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id"), nullable=False),
        sa.Column("given_at", sa.DateTime, nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_feedback_answer_id", "feedback", ["answer_id"])
    op.create_table(
        "examples",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("sql", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("approved_at", sa.DateTime),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_examples_status", "examples", ["status"])


def downgrade() -> None:
    op.drop_table("examples")
    op.drop_table("feedback")
    op.drop_table("answers")
