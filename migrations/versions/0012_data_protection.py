"""retention review decisions: keep (reason, next review) or erase (asked, confirmed by a second person)

Revision ID: 0012_data_protection
Revises: 0011_incidents
Create Date: 2026-12-02 07:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_data_protection"
down_revision = "0012_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retention_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("up_to", sa.Date(), nullable=True),
        sa.Column("summary", sa.String(length=255), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("retention_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_retention_decisions_item", ["kind", "subject_id"], unique=False)


def downgrade():
    with op.batch_alter_table("retention_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_retention_decisions_item")
    op.drop_table("retention_decisions")
