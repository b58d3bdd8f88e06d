"""Round-robin claims between teams: when each team was last served.

Revision ID: 0002_intake
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_intake"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as table:
        table.add_column(sa.Column("last_claim_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams") as table:
        table.drop_column("last_claim_at")
