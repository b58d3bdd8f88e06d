"""Similarity in the service: each content's document, read once (issue 19).

Revision ID: 0006_similarity
Revises: 0005_invitations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_similarity"
down_revision = "0005_invitations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "similarity_documents",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("similarity_documents")
