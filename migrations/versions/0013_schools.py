"""schools: a trust's schools in one database; today's data becomes the first school (issue 17)

The single-school settings row becomes the first school (each school may now set its own register
cut-off times) (or, on an empty database, a school named
"Your school"); every school-owned table gains school_id, filled with that school; every member of
staff and administrator becomes a member of it. UPNs, school years, AP budgets and service agreements
(one per provider) are unique within a school, no longer across the database.

Revision ID: 0013_schools
Revises: 0012_oversight
Create Date: 2026-12-07 23:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_schools"
down_revision = "0012_oversight"
branch_labels = None
depends_on = None

# Every table whose rows belong to one school, parents before children.
SCHOOL_OWNED = [
    "school_years",
    "terms",
    "closures",
    "students",
    "parent_links",
    "carers",
    "carer_invitations",
    "student_changes",
    "pending_imports",
    "calendar_feeds",
    "placements",
    "timetable_sessions",
    "timetable_versions",
    "placement_reviews",
    "review_progress",
    "placement_endings",
    "referrals",
    "referral_objectives",
    "referral_risks",
    "referral_sessions",
    "referral_sections",
    "referral_events",
    "attendance_marks",
    "attendance_mark_changes",
    "register_entries",
    "register_amendments",
    "parent_contacts",
    "attendance_alerts",
    "weekly_feedback",
    "feedback_replies",
    "termly_reports",
    "annual_review_contributions",
    "feedback_reminders",
    "incident_reports",
    "incident_actions",
    "incident_alerts",
    "incident_openings",
    "safeguarding_flags",
    "service_agreements",
    "quality_visits",
    "quality_visit_staff",
    "quality_visit_answers",
    "quality_progress_entries",
    "quality_actions",
    "ap_budgets",
    "governors_reports",
    "retention_decisions",
]
# Unique within a school now: (table, old unique column).
PER_SCHOOL_UNIQUE = [
    ("students", "upn"),
    ("school_years", "start_year"),
    ("ap_budgets", "start_year"),
    ("service_agreements", "provider_id"),
]
SETTINGS = [
    "name",
    "dfe_number",
    "urn",
    "local_authority",
    "address",
    "contact_email",
    "contact_phone",
    "import_mapping",
    "dsl_phone",
]


def upgrade():
    op.create_table(
        "schools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("dfe_number", sa.String(length=8), nullable=False),
        sa.Column("urn", sa.String(length=10), nullable=False),
        sa.Column("local_authority", sa.String(length=120), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("import_mapping", sa.Text(), nullable=False),
        sa.Column("dsl_phone", sa.String(length=40), nullable=False),
        sa.Column("attendance_cutoff_am", sa.Time(), nullable=True),
        sa.Column("attendance_cutoff_pm", sa.Time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schools")),
    )
    columns = ", ".join(SETTINGS)
    op.execute(f"INSERT INTO schools (id, {columns}) SELECT id, {columns} FROM school_settings ORDER BY id LIMIT 1")
    connection = op.get_bind()
    first = connection.execute(sa.text("SELECT id FROM schools")).scalar()
    if first is None:
        first = 1
        connection.execute(
            sa.text(f"INSERT INTO schools (id, {columns}) VALUES (1, 'Your school', '', '', '', '', '', '', '', '')")
        )
    if connection.dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('schools', 'id'), (SELECT max(id) FROM schools))")
    op.drop_table("school_settings")

    op.create_table(
        "school_memberships",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name=op.f("fk_school_memberships_school_id_schools")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_school_memberships_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "school_id", name=op.f("pk_school_memberships")),
    )
    op.create_index(op.f("ix_school_memberships_school_id"), "school_memberships", ["school_id"], unique=False)
    op.execute(
        f"INSERT INTO school_memberships (user_id, school_id) SELECT id, {first} FROM users "
        "WHERE role NOT IN ('key_worker', 'parent')"
    )

    for table in SCHOOL_OWNED:
        op.add_column(table, sa.Column("school_id", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET school_id = {first}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("school_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_school_id"), ["school_id"], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_school_id_schools"), "schools", ["school_id"], ["id"])
    for table, column in PER_SCHOOL_UNIQUE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_{column}", type_="unique")
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_school_id"), ["school_id", column])
    # The audit log names the school each event happened in; today's events were all the first school's.
    op.add_column("audit_events", sa.Column("school_id", sa.Integer(), nullable=True))
    op.execute(f"UPDATE audit_events SET school_id = {first}")
    op.create_index(op.f("ix_audit_events_school_id"), "audit_events", ["school_id"], unique=False)


def downgrade():
    # Only a database that still holds one school can go back to a single school's settings row.
    op.drop_index(op.f("ix_audit_events_school_id"), table_name="audit_events")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("school_id")
    for table, column in PER_SCHOOL_UNIQUE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_school_id", type_="unique")
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_{column}"), [column])
    for table in reversed(SCHOOL_OWNED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_school_id_schools"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_school_id"))
            batch_op.drop_column("school_id")
    op.drop_index(op.f("ix_school_memberships_school_id"), table_name="school_memberships")
    op.drop_table("school_memberships")
    op.create_table(
        "school_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("dfe_number", sa.String(length=8), nullable=False),
        sa.Column("urn", sa.String(length=10), nullable=False),
        sa.Column("local_authority", sa.String(length=120), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("import_mapping", sa.Text(), nullable=False),
        sa.Column("dsl_phone", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_settings")),
    )
    columns = ", ".join(SETTINGS)
    op.execute(f"INSERT INTO school_settings (id, {columns}) SELECT id, {columns} FROM schools ORDER BY id LIMIT 1")
    op.drop_table("schools")
