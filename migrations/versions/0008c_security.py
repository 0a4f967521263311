"""security: two-factor set-up keys kept server-side

Revision ID: 0008c_security
Revises: 0008a_placements
Create Date: 2026-12-02 03:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008c_security"
down_revision = "0008a_placements"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_two_factor_secrets",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pending_two_factor_secrets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_pending_two_factor_secrets")),
    )


def downgrade():
    op.drop_table("pending_two_factor_secrets")
