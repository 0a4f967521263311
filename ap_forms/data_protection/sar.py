"""Subject access requests: everything the app holds about one pupil, as one zip (a readable PDF, a CSV
per kind of record, and a README), after the person producing it chose which third parties' names
to redact.

Collecting is one pass over every domain's tables (`collect`), into `Section`s of plain strings, so
the redaction (`redact`) is applied once, to exactly what both the PDF and the CSVs are made from.
Safeguarding records (concerns, allegations, their actions and the staff flag) go in only when the DSL
produces the request and chooses to include them, or to produce them alone (`scope`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.attendance.models import AttendanceMark, ParentContact, RegisterEntry
from ap_forms.attendance.services import safe_cell
from ap_forms.extensions import db
from ap_forms.feedback.models import AnnualReviewContribution, FeedbackReply, TermlyReport, WeeklyFeedback
from ap_forms.feedback.models import rating_label as feedback_rating_label
from ap_forms.incidents.models import INCIDENT_KINDS, SAFEGUARDING_KINDS, Report, SafeguardingFlag
from ap_forms.placements.models import Placement, PlacementEnding, PlacementReview
from ap_forms.quality.models import ProgressEntry
from ap_forms.referrals.models import REASON_LABELS, Referral
from ap_forms.students.models import Student, StudentChange
from ap_forms.web.clock import to_local
from ap_forms.web.pdf import render_pdf, safe_filename
from ap_forms.web.roles import KEY_WORKER, PARENT, ROLE_LABELS
from ap_forms.web.templating import date_time, short_date

REDACTED = "[redacted]"
# What a request covers: only the DSL may include safeguarding records, or produce them on their own.
EVERYTHING, WITH_SAFEGUARDING, SAFEGUARDING_ONLY = "everything", "with_safeguarding", "safeguarding_only"
SCOPES = [
    (EVERYTHING, "Everything except safeguarding records"),
    (WITH_SAFEGUARDING, "Everything, including safeguarding records"),
    (SAFEGUARDING_ONLY, "Safeguarding records only (with the pupil record, to say whose they are)"),
]
PDF_ROWS = 400  # rows of one kind shown in the PDF; the CSV always has them all

STAFF, KEY_WORKERS, CARERS, PUPILS, NAMED = (
    "School staff",
    "Provider staff",
    "Parents and carers",
    "Other pupils",
    "Named in the records",
)


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""
    safeguarding: bool = False

    def add(self, *values: object) -> None:
        """One row, each value written as text."""
        self.rows.append([_text(v) for v in values])

    @property
    def wide(self) -> bool:
        """Too many columns for a table on A4: the PDF shows each row as a list of fields."""
        return len(self.columns) > 6


@dataclass
class SubjectAccess:
    student: Student
    sections: list[Section]
    third_parties: dict[str, str]  # name -> which kind of person
    scope: str  # EVERYTHING, WITH_SAFEGUARDING or SAFEGUARDING_ONLY

    @property
    def include_safeguarding(self) -> bool:
        return self.scope != EVERYTHING


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return date_time(value)
    if isinstance(value, date):
        return short_date(value)
    return str(value)


class _People:
    """The third parties whose names appear: every account named on a record, carers, and names typed
    into reports (the adult an allegation is about, who intervened, who took an action)."""

    def __init__(self, student: Student):
        self.student = student
        self.found: dict[str, str] = {}

    def user(self, user: User | None) -> str:
        if user is None:
            return ""
        kind = KEY_WORKERS if user.role == KEY_WORKER else CARERS if user.role == PARENT else STAFF
        self.add(user.name, kind)
        return user.name

    def add(self, name: str, kind: str) -> str:
        name = (name or "").strip()
        if len(name) >= 2 and name.lower() != self.student.full_name.lower():
            self.found.setdefault(name, kind)
        return name


def collect(student: Student, *, scope: str = "everything") -> SubjectAccess:
    people = _People(student)
    if scope == SAFEGUARDING_ONLY:
        sections = [_pupil_record(student)]  # whose records they are
    else:
        sections = [
            *_pupil_sections(student, people),
            *_referral_sections(student, people),
            *_placement_sections(student, people),
            *_attendance_sections(student, people),
            *_feedback_sections(student, people),
            _visit_section(student, people),
            *_report_sections(student, people, INCIDENT_KINDS, safeguarding=False),
        ]
    if scope != EVERYTHING:
        sections += _report_sections(student, people, SAFEGUARDING_KINDS, safeguarding=True)
        sections.append(_flag_section(student, people))
    _other_pupils_named(student, sections, people)
    for number, section in enumerate(sections, start=1):
        section.key = f"{number:02d}-{section.key}"
    return SubjectAccess(student, sections, dict(sorted(people.found.items(), key=lambda kv: (kv[1], kv[0]))), scope)


def _other_pupils_named(student: Student, sections: list[Section], people: _People) -> None:
    """Other pupils named anywhere in the text (by first and last name, or preferred and last name)."""
    blob = "\n".join(cell for s in sections for row in s.rows for cell in row).lower()
    for other in db.session.scalars(select(Student).where(Student.id != student.id)):
        for first in {other.first_name, other.preferred_name} - {""}:
            name = f"{first} {other.last_name}"
            if name.lower() in blob and _pattern([name]).search(blob):
                people.add(name, PUPILS)


# --- the domains ----------------------------------------------------------------------------------


def _pupil_record(student: Student) -> Section:
    return Section(
        "pupil-record",
        "Pupil record",
        ["Field", "Value"],
        [
            [label, _text(value)]
            for label, value in [
                ("First name", student.first_name),
                ("Last name", student.last_name),
                ("Preferred name", student.preferred_name),
                ("Year group", student.year_group),
                ("Unique pupil number (UPN)", student.upn),
                ("Unique learner number (ULN)", student.uln),
                ("Gender", student.gender_label),
                ("Date of birth", student.date_of_birth),
                ("Education, health and care plan", student.ehcp),
                ("SEND needs", student.send_needs),
                ("Diagnoses", student.diagnoses),
                ("Medical needs", student.medical_needs),
                ("Medication", student.medication),
                ("Looked after", student.looked_after),
                ("Child protection status", student.child_protection_label),
                ("Contact restrictions", student.contact_restrictions),
                ("Left the school on", student.left_on),
                ("Destination after leaving", student.leaving_destination),
            ]
        ],
    )


def _pupil_sections(student: Student, people: _People) -> list[Section]:
    record = _pupil_record(student)
    changes = Section(
        "pupil-record-changes", "Changes to the pupil record", ["When", "By", "How", "Field", "Before", "After"]
    )
    for change in db.session.scalars(
        select(StudentChange).where(StudentChange.student_id == student.id).order_by(StudentChange.at, StudentChange.id)
    ):
        try:
            values = json.loads(change.changes or "{}")
        except ValueError:
            values = {}
        for name, pair in values.items() if isinstance(values, dict) else []:
            old, new = (list(pair) + ["", ""])[:2] if isinstance(pair, list) else ("", pair)
            changes.rows.append(
                [
                    _text(change.at),
                    people.user(change.by),
                    change.action,
                    name.replace("_", " "),
                    _text(old),
                    _text(new),
                ]
            )
        if not values:
            changes.rows.append([_text(change.at), people.user(change.by), change.action, "", "", ""])
    carers = Section(
        "parents-and-carers",
        "Parents and carers recorded",
        [
            "Name",
            "Relationship",
            "Contact order",
            "Parental responsibility",
            "May collect",
            "Must not be contacted",
            "Why not",
        ],
        note="Their phone numbers, email and postal addresses are their own personal data, "
        "not the pupil's, and are not included.",
    )
    for carer in student.carers:
        carers.rows.append(
            [
                people.add(carer.name, CARERS),
                carer.relationship_to_pupil,
                _text(carer.priority),
                _text(carer.parental_responsibility),
                _text(carer.may_collect),
                _text(carer.do_not_contact),
                carer.do_not_contact_reason,
            ]
        )
    return [record, changes, carers]


def _referral_sections(student: Student, people: _People) -> list[Section]:
    referrals = db.session.scalars(
        select(Referral).where(Referral.student_id == student.id).order_by(Referral.created_at, Referral.id)
    ).all()
    main = Section(
        "referrals",
        "Referrals for alternative provision",
        [
            "Referral",
            "Status",
            "Started",
            "Started by",
            "Last changed",
            "Changed by",
            "Proposed provider",
            "Proposed start",
            "Proposed end",
            "First review",
            "Gender",
            "Home language",
            "Parents and carers",
            "Restrictions",
            "Medical needs",
            "Medication",
            "SEND needs",
            "Diagnoses",
            "EHCP outcomes",
            "Attendance before (%)",
            "Suspensions last year",
            "Exclusions",
            "Social care",
            "Looked after",
            "Social care details",
            "Strengths",
            "Barriers",
            "Past interventions",
            "Reasons",
            "Other reason",
            "Expected outcomes",
            "Parent's views",
            "Pupil's views",
            "Agreed on",
            "Agreed at",
            "Agreed cost",
            "Cost basis",
        ],
    )
    objectives = Section("referral-objectives", "Referral objectives", ["Referral", "Objective", "Measured by"])
    risks = Section(
        "referral-risks",
        "Referral risk assessments",
        ["Referral", "Hazard", "Triggers", "Controls", "Likelihood", "Severity", "Band"],
    )
    events = Section("referral-history", "Referral history", ["Referral", "When", "By", "Step", "Comment"])
    for r in referrals:
        main.add(
            r.id,
            r.status_label,
            r.created_at,
            people.user(r.created_by),
            r.updated_at,
            people.user(r.updated_by),
            r.provider.name if r.provider else "",
            r.proposed_start,
            r.proposed_end,
            r.first_review_on,
            r.gender,
            r.home_language,
            r.parents_carers,
            r.restrictions,
            r.medical_needs,
            r.medication,
            r.send_needs,
            r.diagnoses,
            r.ehcp_outcomes,
            r.attendance_percent,
            r.suspensions_last_year,
            r.exclusions_detail,
            r.social_care_status,
            r.looked_after,
            r.social_care_details,
            r.strengths,
            r.barriers,
            r.past_interventions,
            "; ".join(REASON_LABELS.get(c, c) for c in r.reasons or []),
            r.reason_other,
            r.expected_outcomes,
            r.parent_views,
            r.pupil_views,
            r.agreed_on,
            r.agreed_at_review,
            r.agreed_cost,
            r.cost_basis,
        )
        objectives.rows += [[_text(r.id), o.objective, o.measure] for o in r.objectives]
        risks.rows += [
            [_text(r.id), k.hazard, k.triggers, k.controls, _text(k.likelihood), _text(k.severity), k.band]
            for k in r.risks
        ]
        events.rows += [[_text(r.id), _text(e.at), people.user(e.by), e.action, e.comment] for e in r.events]
    return [main, objectives, risks, events]


def _placements(student: Student) -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement).where(Placement.student_id == student.id).order_by(Placement.start_date, Placement.id)
        )
    )


def _placement_sections(student: Student, people: _People) -> list[Section]:
    placements = _placements(student)
    main = Section(
        "placements",
        "Placements",
        [
            "Placement",
            "Provider",
            "Status",
            "Start",
            "Planned end",
            "Ended on",
            "Key worker",
            "Objectives",
            "Shared with the provider",
            "Attendance before (%)",
        ],
    )
    timetables = Section(
        "timetables",
        "Agreed timetables",
        ["Placement", "Version", "From", "Until", "Day", "Start", "End", "Activity", "Where"],
    )
    reviews = Section(
        "placement-reviews",
        "Placement reviews",
        [
            "Placement",
            "Due",
            "Held",
            "Suitability",
            "Notes",
            "Readiness to return",
            "Timeframe",
            "Decisions",
            "Progress",
            "Recorded by",
        ],
    )
    endings = Section(
        "placement-endings", "Placement endings", ["Placement", "Ended on", "How", "Details", "Recorded by", "Recorded"]
    )
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    for p in placements:
        shared = [
            label
            for flag, label in (
                (p.share_send_needs, "SEND needs"),
                (p.share_diagnoses, "diagnoses"),
                (p.share_medical_needs, "medical needs"),
                (p.share_restrictions, "contact restrictions"),
                (p.share_outcomes, "expected outcomes"),
                (p.share_risks, "risks"),
            )
            if flag
        ]
        main.add(
            p.id,
            p.provider.name,
            p.status,
            p.start_date,
            p.planned_end_date,
            p.ended_on,
            people.user(p.key_worker),
            p.objectives,
            ", ".join(shared) or "Nothing",
            p.baseline_attendance_percent,
        )
        for s in p.sessions:
            timetables.rows.append(
                [
                    _text(p.id),
                    _text(p.timetable_version),
                    _text(p.timetable_from or p.start_date),
                    "",
                    days[s.weekday],
                    s.start_time.strftime("%H:%M"),
                    s.end_time.strftime("%H:%M"),
                    s.activity,
                    s.site_address,
                ]
            )
        for version in p.earlier_timetables:
            for s in version.session_rows:
                timetables.rows.append(
                    [
                        _text(p.id),
                        _text(version.version),
                        _text(version.valid_from or p.start_date),
                        _text(version.valid_until),
                        days[s.weekday],
                        s.start_time.strftime("%H:%M"),
                        s.end_time.strftime("%H:%M"),
                        s.activity,
                        s.site_address,
                    ]
                )
    ids = [p.id for p in placements]
    for review in db.session.scalars(
        select(PlacementReview)
        .where(PlacementReview.placement_id.in_(ids))
        .order_by(PlacementReview.due_on, PlacementReview.id)
    ):
        progress = "; ".join(
            f"{g.objective}: {g.rating_label}{' (' + g.comment + ')' if g.comment else ''}" for g in review.progress
        )
        reviews.add(
            review.placement_id,
            review.due_on,
            review.held_on,
            review.suitability_label,
            review.suitability_notes,
            review.readiness_label,
            review.reintegration_timeframe,
            review.decisions,
            progress,
            people.user(review.recorded_by),
        )
    for ending in db.session.scalars(select(PlacementEnding).where(PlacementEnding.placement_id.in_(ids))):
        endings.add(
            ending.placement_id,
            ending.ended_on,
            ending.description,
            ending.details,
            people.user(ending.recorded_by),
            ending.recorded_at,
        )
    return [main, timetables, reviews, endings]


def _by_session(model, placement_ids: list[int]):
    """Records kept per placement and session (attendance marks, register codes), by date and session."""
    return db.session.scalars(
        select(model).where(model.placement_id.in_(placement_ids)).order_by(model.day, model.session)
    )


def _attendance_sections(student: Student, people: _People) -> list[Section]:
    ids = [p.id for p in _placements(student)]
    marks = Section(
        "attendance-marks",
        "Attendance reported by providers",
        ["Placement", "Date", "Session", "Mark", "Details", "Marked by", "Marked", "Reported late"],
    )
    mark_history = Section(
        "attendance-mark-history",
        "Earlier versions of attendance marks",
        ["Placement", "Date", "Session", "Earlier mark", "Marked by", "Marked", "Replaced by", "Replaced"],
    )
    codes = Section(
        "register-codes",
        "School register codes",
        ["Placement", "Date", "Session", "Code", "Original code", "Recorded by", "Recorded"],
    )
    amendments = Section(
        "register-code-amendments",
        "Changes to register codes",
        ["Placement", "Date", "Session", "From", "To", "Reason", "By", "When"],
    )
    for mark in _by_session(AttendanceMark, ids):
        session = (mark.placement_id, mark.day, mark.session)
        marks.add(
            *session, mark.label, mark.detail_text, people.user(mark.marked_by), mark.marked_at, mark.late_reporting
        )
        for old in mark.changes:
            mark_history.add(
                *session,
                old.summary,
                people.user(old.marked_by),
                old.marked_at,
                people.user(old.replaced_by),
                old.replaced_at,
            )
    for entry in _by_session(RegisterEntry, ids):
        session = (entry.placement_id, entry.day, entry.session)
        codes.add(*session, entry.code, entry.original_code, people.user(entry.recorded_by), entry.recorded_at)
        for a in entry.amendments:
            amendments.add(*session, a.old_code, a.new_code, a.reason, people.user(a.amended_by), a.amended_at)
    contacts = Section(
        "contact-with-home",
        "Contact with home about absences",
        ["Absence on", "When", "By", "With", "How", "Outcome", "Notes", "Follow-up"],
    )
    for c in db.session.scalars(
        select(ParentContact)
        .where(ParentContact.student_id == student.id)
        .order_by(ParentContact.day, ParentContact.contacted_at)
    ):
        contacts.rows.append(
            [
                _text(c.day),
                _text(c.contacted_at),
                people.user(c.contacted_by),
                people.add(c.contact_with, CARERS),
                c.method_label,
                c.outcome_label,
                c.notes,
                c.follow_up,
            ]
        )
    return [marks, mark_history, codes, amendments, contacts]


def _progress_text(progress) -> str:
    return "; ".join(
        f"{g.get('objective', '')}: {feedback_rating_label(g.get('rating'))}"
        f"{' (' + g['comment'] + ')' if g.get('comment') else ''}"
        for g in progress or []
        if isinstance(g, dict)
    )


def _feedback_sections(student: Student, people: _People) -> list[Section]:
    ids = [p.id for p in _placements(student)]
    weekly = Section(
        "weekly-feedback",
        "Weekly feedback from providers (every version)",
        [
            "Placement",
            "Week starting",
            "Version",
            "Status",
            "Engagement",
            "Progress",
            "Behaviour",
            "Wellbeing",
            "Achievements",
            "Concerns",
            "Next week",
            "Why corrected",
            "Written by",
            "Sent",
        ],
    )
    replies = Section(
        "feedback-replies",
        "The school's replies to weekly feedback",
        ["Placement", "Week starting", "Version", "By", "When", "Comment"],
    )
    feedback = db.session.scalars(
        select(WeeklyFeedback)
        .where(WeeklyFeedback.placement_id.in_(ids))
        .order_by(WeeklyFeedback.week_start, WeeklyFeedback.version)
    ).all()
    for w in feedback:
        weekly.add(
            w.placement_id,
            w.week_start,
            w.version,
            w.status,
            w.engagement_label,
            _progress_text(w.progress),
            w.behaviour,
            w.wellbeing,
            w.achievements,
            w.concerns,
            w.next_week_plan,
            w.correction_reason,
            people.user(w.author),
            w.submitted_at,
        )
    by_id = {w.id: w for w in feedback}
    for reply in db.session.scalars(
        select(FeedbackReply).where(FeedbackReply.feedback_id.in_(list(by_id))).order_by(FeedbackReply.created_at)
    ):
        w = by_id[reply.feedback_id]
        replies.rows.append(
            [
                _text(w.placement_id),
                _text(w.week_start),
                _text(w.version),
                people.user(reply.author),
                _text(reply.created_at),
                reply.comment,
            ]
        )
    termly = Section(
        "termly-reports",
        "Termly reports",
        [
            "Placement",
            "Term",
            "Status",
            "Engagement",
            "Progress",
            "Academic outcomes",
            "Accreditation",
            "Behaviour",
            "Strengths",
            "Next steps",
            "Recommendation",
            "Written by",
            "Sent",
        ],
    )
    for t in db.session.scalars(
        select(TermlyReport).where(TermlyReport.placement_id.in_(ids)).order_by(TermlyReport.id)
    ):
        termly.add(
            t.placement_id,
            t.term.label,
            t.status,
            t.engagement_summary,
            _progress_text(t.progress),
            t.academic_outcomes,
            t.accreditation,
            t.behaviour,
            t.strengths,
            t.next_steps,
            t.recommendation_label,
            people.user(t.author),
            t.submitted_at,
        )
    annual = Section(
        "annual-review-contributions",
        "Contributions to Annual Reviews",
        ["Placement", "Review date", "Progress", "Recommendations", "Written by", "Last changed"],
    )
    for a in db.session.scalars(
        select(AnnualReviewContribution)
        .where(AnnualReviewContribution.placement_id.in_(ids))
        .order_by(AnnualReviewContribution.id)
    ):
        annual.add(
            a.placement_id,
            a.review_date,
            a.progress_views,
            a.recommendations,
            people.user(a.author),
            a.updated_at,
        )
    return [weekly, replies, termly, annual]


def _visit_section(student: Student, people: _People) -> Section:
    section = Section(
        "visit-progress",
        "Progress seen on quality-assurance visits",
        ["Visit date", "Provider", "Visit status", "Objectives", "Progress", "Comment", "Visitors"],
    )
    for entry in db.session.scalars(
        select(ProgressEntry).where(ProgressEntry.student_id == student.id).order_by(ProgressEntry.id)
    ):
        visit = entry.visit
        section.rows.append(
            [
                _text(visit.visit_date),
                visit.provider.name,
                visit.status_label,
                entry.objectives,
                entry.rating_label,
                entry.comment,
                ", ".join(people.user(v.user) for v in visit.visitors),
            ]
        )
    return section


def _report_sections(student: Student, people: _People, kinds, *, safeguarding: bool) -> list[Section]:
    key, title = (
        ("safeguarding-records", "Safeguarding concerns and allegations")
        if safeguarding
        else ("incidents", "Serious incidents and health and safety reports")
    )
    reports = Section(
        key,
        title,
        [
            "Reference",
            "Kind",
            "Status",
            "Reported by",
            "Reported",
            "Happened",
            "Where",
            "Provider",
            "People present",
            "What happened",
            "Pupil's words",
            "Injuries",
            "Body outline",
            "Action taken",
            "Pupil safe",
            "Adult concerned",
            "Their role",
            "Before it happened",
            "Physical intervention",
            "Intervention by",
            "Minutes",
            "Damage",
            "Parents told",
            "Who was affected",
            "RIDDOR",
            "Outcome",
            "Closed",
            "Closed by",
        ],
        safeguarding=safeguarding,
    )
    actions = Section(
        key + "-actions",
        title + ": what the school did",
        ["Reference", "Action", "On", "By", "Details", "Reasons", "Review on", "Recorded by"],
        safeguarding=safeguarding,
    )
    query = (
        select(Report)
        .where(Report.student_id == student.id, Report.kind.in_(sorted(kinds)))
        .order_by(Report.created_at, Report.id)
    )
    for r in db.session.scalars(query):
        reports.add(
            r.reference,
            r.kind_label,
            r.status,
            people.user(r.reporter),
            r.submitted_at or r.created_at,
            r.occurred_at.strftime("%H:%M ") + short_date(r.occurred_at) if r.occurred_at else "",
            r.location,
            r.provider.name if r.provider else "",
            r.people_present,
            r.description,
            r.pupil_words,
            r.injuries,
            ", ".join(r.body_mark_labels),
            r.action_taken,
            r.pupil_safe,
            people.add(r.subject_name, NAMED),
            r.subject_role_label,
            r.antecedents,
            r.intervention_label or r.physical_intervention,
            people.add(r.intervention_by, NAMED),
            r.intervention_minutes,
            r.damage,
            r.parents_told,
            r.who_affected,
            r.riddor,
            r.outcome,
            r.closed_at,
            people.user(r.closed_by),
        )
        actions.rows += [
            [
                r.reference,
                a.label,
                _text(a.taken_on),
                people.add(a.taken_by, NAMED),
                a.details,
                a.reason,
                _text(a.review_on),
                people.user(a.recorded_by),
            ]
            for a in r.actions
        ]
    return [reports, actions]


def _flag_section(student: Student, people: _People) -> Section:
    section = Section("safeguarding-flag", "Safeguarding flag shown to staff", ["Set by", "Set"], safeguarding=True)
    flag = db.session.scalar(select(SafeguardingFlag).where(SafeguardingFlag.student_id == student.id))
    if flag:
        section.rows.append([people.user(db.session.get(User, flag.set_by_id)), _text(flag.set_at)])
    return section


# --- redaction and the zip --------------------------------------------------------------------------


def _pattern(names) -> re.Pattern:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def parse_extra_names(text: str) -> list[str]:
    """Further names typed by the person producing the request: one a line, 2 to 120 characters."""
    names = []
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if 2 <= len(line) <= 120 and line.lower() not in {n.lower() for n in names}:
            names.append(line)
    return names[:100]


def redact(sar: SubjectAccess, names) -> int:
    """Replace each name (whole words, any case) in every cell with [redacted]; the number replaced."""
    names = [n for n in names if n]
    if not names:
        return 0
    pattern, count = _pattern(names), 0
    for section in sar.sections:
        for row in section.rows:
            for i, cell in enumerate(row):
                row[i], n = pattern.subn(REDACTED, cell)
                count += n
    return count


def _csv(section: Section) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(section.columns)
    writer.writerows([safe_cell(c) for c in row] for row in section.rows)
    return buffer.getvalue().encode("utf-8-sig")  # a spreadsheet opens it as UTF-8


def build_zip(
    sar: SubjectAccess, *, produced_by: User, produced_at: datetime, redacted_names: list[str], replaced: int
) -> tuple[bytes, str]:
    """The zip and its file name: the PDF, one CSV per kind of record, and a README."""
    student = sar.student
    # Who produced it is named, unless they chose to redact their own name: then their role.
    producer = (
        ROLE_LABELS.get(produced_by.role, "")
        if redacted_names and _pattern(redacted_names).search(produced_by.name)
        else f"{produced_by.name} ({ROLE_LABELS.get(produced_by.role, '')})"
    )
    day = to_local(produced_at).date().isoformat()
    stem = safe_filename(f"subject-access-{student.first_name}-{student.last_name}-{day}")[:-4]
    pdf = render_pdf(
        "pdf/subject_access.html",
        sar=sar,
        student=student,
        producer=producer,
        produced_at=produced_at,
        redacted_count=len(redacted_names),
        pdf_rows=PDF_ROWS,
    )
    readme = "\n".join(
        [
            f"Subject access request: everything AP Forms holds about {student.full_name}.",
            f"Produced {date_time(produced_at)} by {producer}.",
            "",
            f"{stem}.pdf  the records, readable",
            "csv/         the same records, one spreadsheet (CSV, UTF-8) per kind of record, every row",
            "documents/   uploaded documents about the pupil (none: the app's uploaded evidence belongs to providers)",
            "",
            f"Third parties' names redacted: {len(redacted_names)} ({replaced} places), shown as {REDACTED}.",
            "Safeguarding records: "
            + (
                {
                    WITH_SAFEGUARDING: "included (produced by the DSL).",
                    SAFEGUARDING_ONLY: "only these (produced by the DSL).",
                }.get(sar.scope, "not included (only the DSL can include them).")
            ),
            "",
            "Kinds of record:",
            *[
                f"  csv/{s.key}.csv  {s.title}: {len(s.rows)} row{'s' if len(s.rows) != 1 else ''}"
                for s in sar.sections
            ],
            "",
        ]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        archive.writestr(f"{stem}.pdf", pdf)
        for section in sar.sections:
            archive.writestr(f"csv/{section.key}.csv", _csv(section))
        archive.writestr("documents/README.txt", "No uploaded documents are held about this pupil.\n")
    return buffer.getvalue(), f"{stem}.zip"


__all__ = ["collect", "redact", "build_zip", "parse_extra_names", "SubjectAccess", "Section", "REDACTED"]
