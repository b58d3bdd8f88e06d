"""Private challenges: a team's own challenge folders, one row per uploaded version.

Revision ID: 0004_private
Revises: 0003_web
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_private"
down_revision = "0003_web"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "private_challenges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("challenge_id", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("folder", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.UniqueConstraint("team_id", "challenge_id", "revision", name="uq_private_revision"),
    )
    op.create_index("ix_private_challenges_team_id", "private_challenges", ["team_id"])
    op.create_index("ix_private_challenges_challenge_id", "private_challenges", ["challenge_id"])
    op.create_index("ix_private_challenges_status", "private_challenges", ["status"])


def downgrade() -> None:
    op.drop_table("private_challenges")
