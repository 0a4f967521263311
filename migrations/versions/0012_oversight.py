"""oversight: LA and parents told, outcomes, census fields, AP budgets, governors' reports

Revision ID: 0012_oversight
Revises: 0011_incidents
Create Date: 2026-12-02 06:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_oversight"
down_revision = "0012_storage"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ap_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"], name=op.f("fk_ap_budgets_set_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ap_budgets")),
        sa.UniqueConstraint("start_year", name=op.f("uq_ap_budgets_start_year")),
    )
    op.create_table(
        "governors_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("generated_by_id", sa.Integer(), nullable=True),
        sa.Column("generated_at", sa.DateTime(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["generated_by_id"], ["users.id"], name=op.f("fk_governors_reports_generated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governors_reports")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("la_told_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("la_told_how", sa.String(length=20), server_default="", nullable=False))
        batch_op.add_column(sa.Column("parents_told_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("parents_told_how", sa.String(length=20), server_default="", nullable=False))
        batch_op.add_column(sa.Column("suspensions_during", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("destination", sa.String(length=30), server_default="", nullable=False))
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ukprn", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("setting_type", sa.String(length=30), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_column("setting_type")
        batch_op.drop_column("ukprn")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_column("destination")
        batch_op.drop_column("suspensions_during")
        batch_op.drop_column("parents_told_how")
        batch_op.drop_column("parents_told_on")
        batch_op.drop_column("la_told_how")
        batch_op.drop_column("la_told_on")
    op.drop_table("governors_reports")
    op.drop_table("ap_budgets")
