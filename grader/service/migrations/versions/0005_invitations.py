"""Invitations: candidate records, invitations (token stored hashed), submissions made through one.

Revision ID: 0005_invitations
Revises: 0004_private
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_invitations"
down_revision = "0004_private"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("review_status", sa.String(16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_candidates_team_id", "candidates", ["team_id"])
    op.create_index("ix_candidates_email", "candidates", ["email"])
    op.create_index("ix_candidates_external_id", "candidates", ["external_id"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("candidate_id", sa.Integer(), sa.ForeignKey("candidates.id"), nullable=False),
        sa.Column("challenge_id", sa.String(100), nullable=False),
        sa.Column("challenge_version", sa.String(50), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=True),
        sa.Column("shows", sa.String(16), nullable=False),
        sa.Column("max_submissions", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_index("ix_invitations_team_id", "invitations", ["team_id"])
    op.create_index("ix_invitations_candidate_id", "invitations", ["candidate_id"])
    with op.batch_alter_table("submissions") as table:
        table.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        table.create_foreign_key("fk_submissions_invitation_id", "invitations", ["invitation_id"], ["id"])
        table.create_index("ix_submissions_invitation_id", ["invitation_id"])
    with op.batch_alter_table("webhook_deliveries") as table:
        table.add_column(sa.Column("event", sa.String(40), nullable=False, server_default="submission.done"))
        table.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            "fk_webhook_deliveries_invitation_id", "invitations", ["invitation_id"], ["id"]
        )
        table.alter_column("submission_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute(
        "DELETE FROM webhook_attempts WHERE delivery_id IN "
        "(SELECT id FROM webhook_deliveries WHERE submission_id IS NULL)"
    )
    op.execute("DELETE FROM webhook_deliveries WHERE submission_id IS NULL")
    with op.batch_alter_table("webhook_deliveries") as table:
        table.alter_column("submission_id", existing_type=sa.Integer(), nullable=False)
        table.drop_constraint("fk_webhook_deliveries_invitation_id", type_="foreignkey")
        table.drop_column("invitation_id")
        table.drop_column("event")
    with op.batch_alter_table("submissions") as table:
        table.drop_index("ix_submissions_invitation_id")
        table.drop_constraint("fk_submissions_invitation_id", type_="foreignkey")
        table.drop_column("invitation_id")
    op.drop_table("invitations")
    op.drop_table("candidates")
