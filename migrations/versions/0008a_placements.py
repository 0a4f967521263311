"""placements: what else is shared with the key worker; versioned timetables

Revision ID: 0008a_placements
Revises: 0007_quality
Create Date: 2026-12-02 03:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008a_placements"
down_revision = "0007_quality"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("share_restrictions", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("share_outcomes", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("share_risks", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("timetable_version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("timetable_from", sa.Date(), nullable=True))

    op.create_table(
        "timetable_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("sessions", sa.JSON(), nullable=False),
        sa.Column("change_reason", sa.Text(), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_timetable_versions_placement_id_placements")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"], ["users.id"], name=op.f("fk_timetable_versions_replaced_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timetable_versions")),
    )
    with op.batch_alter_table("timetable_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timetable_versions_placement_id"), ["placement_id"], unique=False)


def downgrade():
    with op.batch_alter_table("timetable_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timetable_versions_placement_id"))
    op.drop_table("timetable_versions")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_column("timetable_from")
        batch_op.drop_column("timetable_version")
        batch_op.drop_column("share_risks")
        batch_op.drop_column("share_outcomes")
        batch_op.drop_column("share_restrictions")
