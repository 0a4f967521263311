"""Quality-assurance visits: planning, the three-a-year pace, recording with the AP Checklist,
sign-off, the actions that follow, and pupils' progress seen on visits.

The pace rule (policy: at least three visits each school year, 1 September to 31 August):
one visit by the end of each term — 1 by the end of the Autumn term, 2 by the end of Spring,
3 by the end of Summer. A visit counts once it has been recorded (being written up or signed
off). A provider is *behind pace* when a term has ended with fewer visits than that, or when the
current term ends within PACE_WARNING_DAYS and its visit is neither done nor planned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import abort
from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import selectinload

from ap_forms.accounts.models import User
from ap_forms.accounts.services import staff_of_school
from ap_forms.checklists.models import ChecklistItem, ChecklistVersion
from ap_forms.checklists.services import current_version
from ap_forms.extensions import db
from ap_forms.placements.models import PLANNED as PLACEMENT_PLANNED
from ap_forms.placements.models import Placement
from ap_forms.providers.models import Provider
from ap_forms.quality.models import (
    ACTION_OWNERS,
    ANSWERS,
    CANCELLED,
    CHECKLIST_KIND,
    DRAFT,
    JUDGEMENTS,
    NOT_MET,
    PLANNED,
    PROVIDER,
    SIGNED_OFF,
    ProgressEntry,
    QualityVisit,
    VisitAction,
    VisitAnswer,
    VisitStaff,
)
from ap_forms.school_calendar.services import get_year, school_year_start, year_bounds
from ap_forms.web import audit, clock, tenancy
from ap_forms.web.database import delete_rows
from ap_forms.web.roles import DSL, HEADTEACHER, KEY_WORKER, SCHOOL_STAFF, SEND_LEAD

REQUIRED_VISITS = 3
PACE_WARNING_DAYS = 28
VISIT_READERS = frozenset({HEADTEACHER, SEND_LEAD, DSL})
MAX_ACTIONS = 30


class QualityError(ValueError):
    """A change that cannot be made; the message is for the person making it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _today(today: date | None) -> date:
    return today or clock.today()


# --- The school year and the pace ----------------------------------------------------------


@dataclass(frozen=True)
class TermWindow:
    name: str
    start: date
    end: date


def term_windows(start_year: int) -> list[TermWindow]:
    """The three terms of a school year: from the school calendar when it has been entered,
    otherwise September–December, January–March and April–August."""
    year = get_year(start_year)
    if year is not None and len(year.terms) == 3:
        return [TermWindow(t.name, t.start_date, t.end_date) for t in year.terms]
    return [
        TermWindow("Autumn", date(start_year, 9, 1), date(start_year, 12, 31)),
        TermWindow("Spring", date(start_year + 1, 1, 1), date(start_year + 1, 3, 31)),
        TermWindow("Summer", date(start_year + 1, 4, 1), date(start_year + 1, 8, 31)),
    ]


COMPLETE, ON_TRACK, VISIT_PLANNED, DUE, BEHIND, MISSED = ("complete", "on_track", "planned", "due", "behind", "missed")
PACE_LABELS = {
    COMPLETE: "Three visits done",
    ON_TRACK: "On track",
    VISIT_PLANNED: "Visit planned",
    DUE: "Visit due this term",
    BEHIND: "Behind pace",
    MISSED: "Fewer than three",
}
PACE_TAG_CLASSES = {
    COMPLETE: "govuk-tag--green",
    ON_TRACK: "govuk-tag--green",
    VISIT_PLANNED: "govuk-tag--blue",
    DUE: "govuk-tag--yellow",
    BEHIND: "govuk-tag--red",
    MISSED: "govuk-tag--red",
}


@dataclass
class ProviderPace:
    """One provider's visits in one school year, measured against the pace rule."""

    provider: Provider
    done: list[QualityVisit]
    planned: list[QualityVisit]  # planned for today or later
    not_recorded: list[QualityVisit]  # planned for a day that has passed, never recorded
    state: str
    message: str
    in_use: bool = True

    @property
    def label(self) -> str:
        return PACE_LABELS[self.state]

    @property
    def tag_class(self) -> str:
        return PACE_TAG_CLASSES[self.state]

    @property
    def behind(self) -> bool:
        return self.state in (BEHIND, MISSED)

    @property
    def next_planned(self) -> QualityVisit | None:
        return self.planned[0] if self.planned else None


def _fmt(day: date) -> str:
    return f"{day.day} {day:%B}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def pace_state(
    done: int, planned_dates: list[date], terms: list[TermWindow], today: date, start_year: int
) -> tuple[str, str]:
    """(state, plain-English message) for a provider with `done` recorded visits this school year."""
    first_day, last_day = year_bounds(start_year)
    if done >= REQUIRED_VISITS:
        return COMPLETE, f"{done} visits done this school year."
    if today > last_day:
        return MISSED, f"Only {_plural(done, 'visit')} in the school year; three were needed."
    ended = [t for t in terms if t.end < today]
    if done < len(ended):
        last = ended[-1]
        return BEHIND, (
            f"{_plural(done, 'visit')} done; {len(ended)} should have been done by the end of the "
            f"{last.name} term ({_fmt(last.end)})."
        )
    current = next((t for t in terms if t.end >= today), None)
    if current is None:  # after the summer term, before 1 September
        return BEHIND, f"{_plural(done, 'visit')} done; three were needed by the end of the Summer term."
    needed = len(ended) + 1
    if done >= needed:
        return ON_TRACK, f"{_plural(done, 'visit')} done: this term's visit is done."
    in_time = sorted(d for d in planned_dates if d <= current.end)
    if in_time:
        return VISIT_PLANNED, f"This term's visit is planned for {_fmt(in_time[0])}."
    if (current.end - today).days <= PACE_WARNING_DAYS:
        return BEHIND, (f"No visit done or planned this term, and the {current.name} term ends on {_fmt(current.end)}.")
    return DUE, f"Plan this term's visit before the {current.name} term ends on {_fmt(current.end)}."


def providers_in_use(start_year: int, today: date | None = None) -> set[int]:
    """Providers the school uses in a school year: a placement there overlaps the year (planned
    placements count from the year they are due to start)."""
    first_day, last_day = year_bounds(start_year)
    query = select(Placement.provider_id).where(
        Placement.start_date <= last_day, or_(Placement.ended_on.is_(None), Placement.ended_on >= first_day)
    )
    if start_year < school_year_start(_today(today)):
        query = query.where(Placement.status != PLACEMENT_PLANNED)
    return set(db.session.scalars(query.distinct()))


def shared_visits(query: Select) -> list[QualityVisit]:
    """The visits `query` finds that a school counts (issue 17): its own (any status) and other
    schools' signed-off visits.

    A QA visit by one school of the trust counts towards the provider's record for every school; a
    visit another school has planned or is still writing up is that school's business. Children the
    query loads eagerly (who went) are read across schools too.
    """
    school = tenancy.current_school_id()
    if school is None:  # every school, or (outside a request) no filter at all
        return list(db.session.scalars(query))
    query = query.where(or_(QualityVisit.school_id == school, QualityVisit.status == SIGNED_OFF))
    with tenancy.all_schools():
        return list(db.session.scalars(query))


def is_own_visit(visit: QualityVisit) -> bool:
    """Made by the current school (always true when no single school is chosen)."""
    school = tenancy.current_school_id()
    return school is None or visit.school_id == school


def school_names() -> dict[int, str]:
    """Each school's name by id: a visit from another school is labelled with the school that made it."""
    return dict(tenancy.every_school())


def _visits_in_year(start_year: int, provider_ids: Iterable[int] | None = None) -> list[QualityVisit]:
    first_day, last_day = year_bounds(start_year)
    query = (
        select(QualityVisit)
        .where(
            QualityVisit.visit_date >= first_day, QualityVisit.visit_date <= last_day, QualityVisit.status != CANCELLED
        )
        .order_by(QualityVisit.visit_date, QualityVisit.id)
    )
    if provider_ids is not None:
        query = query.where(QualityVisit.provider_id.in_(list(provider_ids)))
    return shared_visits(query.options(selectinload(QualityVisit.visitors).selectinload(VisitStaff.user)))


def _pace(
    provider: Provider, visits: list[QualityVisit], terms: list[TermWindow], today: date, start_year: int, in_use: bool
) -> ProviderPace:
    done = [v for v in visits if v.is_recorded]
    planned = [v for v in visits if v.status == PLANNED and v.visit_date >= today]
    not_recorded = [v for v in visits if v.status == PLANNED and v.visit_date < today]
    state, message = pace_state(len(done), [v.visit_date for v in planned], terms, today, start_year)
    return ProviderPace(provider, done, planned, not_recorded, state, message, in_use)


def visit_pace(start_year: int | None = None, today: date | None = None) -> list[ProviderPace]:
    """Every provider in use this school year (and any other visited in it), behind pace first."""
    today = _today(today)
    start_year = school_year_start(today) if start_year is None else start_year
    in_use = providers_in_use(start_year, today)
    visits = _visits_in_year(start_year)
    # Another school's visit counts towards a provider this school uses; it does not add a provider.
    ids = in_use | {v.provider_id for v in visits if is_own_visit(v)}
    providers = db.session.scalars(select(Provider).where(Provider.id.in_(ids)).order_by(Provider.name)).all()
    terms = term_windows(start_year)
    visits_by_provider = defaultdict(list)
    for visit in visits:
        visits_by_provider[visit.provider_id].append(visit)
    rows = [_pace(p, visits_by_provider[p.id], terms, today, start_year, p.id in in_use) for p in providers]
    order = [BEHIND, MISSED, DUE, VISIT_PLANNED, ON_TRACK, COMPLETE]
    return sorted(rows, key=lambda r: (not r.in_use, order.index(r.state), r.provider.name))


def provider_pace(provider: Provider, today: date | None = None) -> ProviderPace:
    today = _today(today)
    start_year = school_year_start(today)
    visits = _visits_in_year(start_year, [provider.id])
    return _pace(
        provider,
        visits,
        term_windows(start_year),
        today,
        start_year,
        provider.id in providers_in_use(start_year, today),
    )


# --- Reading visits ------------------------------------------------------------------------


def _visit_options(query: Select) -> Select:
    return query.options(
        selectinload(QualityVisit.provider),
        selectinload(QualityVisit.visitors).selectinload(VisitStaff.user),
        selectinload(QualityVisit.version).selectinload(ChecklistVersion.items),
        selectinload(QualityVisit.answers),
        selectinload(QualityVisit.progress_entries).selectinload(ProgressEntry.student),
        selectinload(QualityVisit.actions),
        selectinload(QualityVisit.signed_off_by),
    )


def get_visit_or_404(visit_id: int) -> QualityVisit:
    """Visits are read by the headteacher, SEND lead and DSL only (the access rules), so no scoping."""
    return db.first_or_404(_visit_options(select(QualityVisit)).where(QualityVisit.id == visit_id))


def find_visit(visit_id: int) -> QualityVisit | None:
    """One of this school's visits, or None."""
    return db.session.scalar(_visit_options(select(QualityVisit)).where(QualityVisit.id == visit_id))


@dataclass
class OtherSchoolsVisit:
    """Another school's signed-off visit, as this school's leaders may read it (issue 17): the visit,
    its checklist answers (without comments) and the actions addressed to the provider. Its pupils'
    progress and its free-text notes (which may name a pupil) stay with the school that made it."""

    visit: QualityVisit
    school_name: str
    staff_names: list[str]  # read now: the page commits its audit entry, and a reload would see no one
    sections: list[Section]
    answers: dict[int, VisitAnswer]
    provider_actions: list[VisitAction]


def other_schools_visit_or_404(visit_id: int) -> OtherSchoolsVisit:
    school = tenancy.current_school_id()
    if school is None:
        abort(404)
    query = (
        select(QualityVisit)
        .where(QualityVisit.id == visit_id, QualityVisit.status == SIGNED_OFF, QualityVisit.school_id != school)
        .options(
            selectinload(QualityVisit.provider),
            selectinload(QualityVisit.visitors).selectinload(VisitStaff.user),
            selectinload(QualityVisit.version).selectinload(ChecklistVersion.items),
            selectinload(QualityVisit.answers),
            selectinload(QualityVisit.actions),
            selectinload(QualityVisit.signed_off_by),
        )
    )
    with tenancy.all_schools():
        visit = db.session.scalar(query)
        if visit is None:
            abort(404)
        checklist = [
            Section(f"checklist-{number}", title, COMPLETED, items=items)
            for number, (title, items) in enumerate(visit.version.sections if visit.version else [], start=1)
        ]
        return OtherSchoolsVisit(
            visit=visit,
            school_name=school_names().get(visit.school_id, "Another school"),
            staff_names=visit.staff_names,
            sections=checklist,
            answers={a.item_id: a for a in visit.answers},
            provider_actions=[a for a in visit.actions if a.owner == PROVIDER],
        )


def visits_for_provider(provider_id: int) -> list[QualityVisit]:
    """The provider's visits, newest first: this school's, and other schools' signed-off ones."""
    query = (
        select(QualityVisit)
        .where(QualityVisit.provider_id == provider_id, QualityVisit.status != CANCELLED)
        .options(selectinload(QualityVisit.visitors).selectinload(VisitStaff.user))
        .order_by(QualityVisit.visit_date.desc(), QualityVisit.id.desc())
    )
    return shared_visits(query)


def drafts() -> list[QualityVisit]:
    """Visits being recorded, not yet signed off."""
    query = (
        select(QualityVisit)
        .where(QualityVisit.status == DRAFT)
        .options(selectinload(QualityVisit.provider))
        .order_by(QualityVisit.visit_date)
    )
    return list(db.session.scalars(query))


def school_staff() -> list[User]:
    """The people who can go on a visit: the active staff of the school."""
    query = staff_of_school(*SCHOOL_STAFF).order_by(User.name)
    return list(db.session.scalars(query))


def progress_for_student(student_id: int) -> list[ProgressEntry]:
    """A pupil's progress entries from signed-off visits, newest first."""
    query = (
        select(ProgressEntry)
        .join(QualityVisit)
        .where(ProgressEntry.student_id == student_id, QualityVisit.status == SIGNED_OFF)
        .options(
            selectinload(ProgressEntry.visit).selectinload(QualityVisit.provider),
            selectinload(ProgressEntry.visit).selectinload(QualityVisit.visitors).selectinload(VisitStaff.user),
        )
        .order_by(QualityVisit.visit_date.desc(), ProgressEntry.id.desc())
    )
    return list(db.session.scalars(query))


# --- Actions: what each person may see ----------------------------------------------------


def scope_actions(query: Select, user) -> Select:
    """Actions from signed-off visits. A key worker sees only those addressed to their provider."""
    query = query.join(QualityVisit, VisitAction.visit_id == QualityVisit.id).where(QualityVisit.status == SIGNED_OFF)
    if user.role in VISIT_READERS:
        return query
    if user.role == KEY_WORKER and user.provider_id:
        return query.where(VisitAction.provider_id == user.provider_id, VisitAction.owner == PROVIDER)
    return query.where(false())


def _action_options(query: Select) -> Select:
    return query.options(
        selectinload(VisitAction.provider),
        selectinload(VisitAction.visit),
        selectinload(VisitAction.completed_by),
        selectinload(VisitAction.responded_by),
    )


def tracked_actions(user, *, provider_id: int | None = None, include_done: bool = False) -> list[VisitAction]:
    """Actions this user may see, oldest due date first."""
    query = _action_options(scope_actions(select(VisitAction), user))
    if provider_id is not None:
        query = query.where(VisitAction.provider_id == provider_id)
    if not include_done:
        query = query.where(VisitAction.completed_on.is_(None))
    return list(db.session.scalars(query.order_by(VisitAction.due_on, VisitAction.id)))


def overdue_actions(user, today: date | None = None, *, provider_id: int | None = None) -> list[VisitAction]:
    today = _today(today)
    return [a for a in tracked_actions(user, provider_id=provider_id) if a.is_overdue(today)]


def get_action_or_404(user, action_id: int) -> VisitAction:
    action = db.session.scalar(
        _action_options(scope_actions(select(VisitAction), user)).where(VisitAction.id == action_id)
    )
    if action is None:
        abort(404)
    return action


# --- Planning ------------------------------------------------------------------------------


def _staff_users(staff_ids: Iterable[int]) -> list[User]:
    ids = {int(i) for i in staff_ids}
    if not ids:
        raise QualityError("Choose who is going on the visit", field="staff")
    users = [u for u in school_staff() if u.id in ids]
    if len(users) != len(ids):
        raise QualityError("Choose people from the school's staff", field="staff")
    return users


def _check_date(visit_date: date, *, unchanged: date | None = None) -> None:
    """Within the next two years, and not before this school year began (a visit already recorded
    late this year can still be entered; a date from an earlier year is a typing mistake)."""
    today = clock.today()
    if visit_date > today + timedelta(days=730):
        raise QualityError("The visit date must be within the next two years", field="visit_date")
    year_began, _ = year_bounds(school_year_start(today))
    if visit_date < year_began and visit_date != unchanged:
        raise QualityError(
            f"The visit date must be in this school year, on or after {year_began.day} {year_began:%B %Y}",
            field="visit_date",
        )


def plan_visit(
    provider: Provider, *, visit_date: date, staff_ids: Iterable[int], focus: str = "", actor
) -> QualityVisit:
    _check_date(visit_date)
    users = _staff_users(staff_ids)
    visit = QualityVisit(
        provider_id=provider.id,
        visit_date=visit_date,
        status=PLANNED,
        focus=(focus or "").strip()[:2000],
        planned_by_id=getattr(actor, "id", None),
    )
    visit.visitors = [VisitStaff(user_id=u.id) for u in users]
    db.session.add(visit)
    db.session.flush()
    audit.record(
        "quality_visit_planned", "quality_visit", visit.id, detail=f"{provider.name}, {visit_date}", user=actor
    )
    db.session.commit()
    return visit


def _editable(visit: QualityVisit) -> None:
    if visit.status == SIGNED_OFF:
        raise QualityError("This visit has been signed off and can no longer be changed")
    if visit.status == CANCELLED:
        raise QualityError("This visit was cancelled")


def update_plan(
    visit: QualityVisit,
    *,
    visit_date: date,
    staff_ids: Iterable[int],
    focus: str = "",
    actor,
    today: date | None = None,
) -> QualityVisit:
    _editable(visit)
    _check_date(visit_date, unchanged=visit.visit_date)
    if visit.status == DRAFT and visit_date > _today(today):
        raise QualityError("This visit is being recorded, so its date cannot be in the future", field="visit_date")
    users = _staff_users(staff_ids)
    changed = []
    if visit.visit_date != visit_date:
        visit.visit_date, changed = visit_date, [*changed, "visit_date"]
    wanted = {u.id for u in users}
    if {v.user_id for v in visit.visitors} != wanted:
        # Change the rows in place: replacing the list would insert the kept visitors again before
        # deleting the old rows, against the unique (visit, user) constraint.
        for visitor in [v for v in visit.visitors if v.user_id not in wanted]:
            visit.visitors.remove(visitor)
        db.session.flush()
        kept = {v.user_id for v in visit.visitors}
        visit.visitors.extend(VisitStaff(user_id=user_id) for user_id in sorted(wanted - kept))
        changed.append("staff")
    if visit.focus != (focus or "").strip()[:2000]:
        visit.focus, changed = (focus or "").strip()[:2000], [*changed, "focus"]
    audit.record("quality_visit_plan_changed", "quality_visit", visit.id, fields=changed or None, user=actor)
    db.session.commit()
    return visit


def cancel_visit(visit: QualityVisit, *, actor) -> QualityVisit:
    if visit.status != PLANNED:
        raise QualityError("Only a visit that has not been recorded yet can be cancelled")
    visit.status = CANCELLED
    audit.record("quality_visit_cancelled", "quality_visit", visit.id, user=actor)
    db.session.commit()
    return visit


def placements_seen_on(provider_id: int, day: date) -> list[Placement]:
    """Pupils placed at a provider on a day: one progress entry each."""
    query = (
        select(Placement)
        .where(
            Placement.provider_id == provider_id,
            Placement.status != PLACEMENT_PLANNED,
            Placement.start_date <= day,
            or_(Placement.ended_on.is_(None), Placement.ended_on >= day),
        )
        .options(selectinload(Placement.student))
    )
    return sorted(db.session.scalars(query), key=lambda p: (p.student.last_name, p.student.first_name))


def start_recording(visit: QualityVisit, *, actor, today: date | None = None) -> QualityVisit:
    """Begin the visit record on the current AP Checklist, with one progress entry for each pupil
    placed at the provider on the day, prefilled with their placement objectives."""
    if visit.status == DRAFT:
        return visit
    if visit.status != PLANNED:
        raise QualityError("This visit cannot be recorded: it has been signed off or cancelled")
    if visit.visit_date > _today(today):
        raise QualityError(
            f"This visit is planned for {_fmt(visit.visit_date)} {visit.visit_date.year}. "
            "Record it on the day, or change the date if it took place earlier."
        )
    version = current_version(CHECKLIST_KIND)
    visit.status, visit.version_id = DRAFT, version.id
    visit.started_at = visit.updated_at = clock.utcnow()
    for placement in placements_seen_on(visit.provider_id, visit.visit_date):
        visit.progress_entries.append(
            ProgressEntry(
                placement_id=placement.id, student_id=placement.student_id, objectives=placement.objectives or ""
            )
        )
    audit.record(
        "quality_visit_started", "quality_visit", visit.id, detail=f"AP Checklist version {version.number}", user=actor
    )
    db.session.commit()
    return visit


# --- Recording (drafts only) ---------------------------------------------------------------


def _recording(visit: QualityVisit) -> None:
    _editable(visit)
    if visit.status != DRAFT:
        raise QualityError("Start recording the visit first")


def _clean(text: str | None, limit: int = 5000) -> str:
    return (text or "").strip()[:limit]


def _saved(visit: QualityVisit, action: str, changed: list[str], actor, detail: str | None = None) -> QualityVisit:
    visit.updated_at = clock.utcnow()
    if changed:
        audit.record(action, "quality_visit", visit.id, fields=changed, detail=detail, user=actor)
    db.session.commit()
    return visit


def save_answers(visit: QualityVisit, answers: dict[int, tuple[str, str]], *, actor) -> QualityVisit:
    """Save checklist answers {item_id: (answer, comment)}. A draft may leave an answer blank."""
    _recording(visit)
    items = {item.id for item in visit.version.items}
    changed = []
    for item_id, (answer, comment) in answers.items():
        if item_id not in items:
            raise QualityError("That item is not on this visit's checklist")
        answer, comment = answer or "", _clean(comment)
        if answer and answer not in ANSWERS:
            raise QualityError("Choose met, partly met, not met or not seen")
        row = visit.answer_for(item_id)
        if row is None:
            if not answer and not comment:
                continue
            row = VisitAnswer(item_id=item_id, answer="", comment="")
            visit.answers.append(row)
        if (row.answer, row.comment) != (answer, comment):
            row.answer, row.comment = answer, comment
            row.answered_by_id = getattr(actor, "id", None)
            changed.append(f"item {item_id}")
    return _saved(visit, "quality_visit_saved", changed, actor, detail="checklist")


def save_observation(visit: QualityVisit, *, activity: str, notes: str, actor) -> QualityVisit:
    _recording(visit)
    values = {"observed_activity": _clean(activity, 500), "observation_notes": _clean(notes)}
    return _save_fields(visit, values, actor)


def save_voice(visit: QualityVisit, *, pupil_voice: str, strengths: str, actor) -> QualityVisit:
    _recording(visit)
    return _save_fields(visit, {"pupil_voice": _clean(pupil_voice), "strengths": _clean(strengths)}, actor)


def save_judgement(visit: QualityVisit, *, judgement: str, summary: str, actor) -> QualityVisit:
    _recording(visit)
    if judgement and judgement not in JUDGEMENTS:
        raise QualityError("Choose an overall judgement", field="judgement")
    return _save_fields(visit, {"overall_judgement": judgement or "", "overall_summary": _clean(summary)}, actor)


def _save_fields(visit: QualityVisit, values: dict[str, str], actor) -> QualityVisit:
    changed = [name for name, value in values.items() if getattr(visit, name) != value]
    for name, value in values.items():
        setattr(visit, name, value)
    return _saved(visit, "quality_visit_saved", changed, actor)


def save_progress(visit: QualityVisit, entries: dict[int, tuple[str, str]], *, actor) -> QualityVisit:
    """Save pupils' progress {entry_id: (rating, comment)}."""
    _recording(visit)
    by_id = {e.id: e for e in visit.progress_entries}
    changed = []
    for entry_id, (rating, comment) in entries.items():
        entry = by_id.get(entry_id)
        if entry is None:
            raise QualityError("That pupil is not part of this visit")
        rating, comment = rating or "", _clean(comment)
        if rating and rating not in ANSWERS:
            raise QualityError("Choose met, partly met, not met or not seen")
        if (entry.rating, entry.comment) != (rating, comment):
            entry.rating, entry.comment = rating, comment
            changed.append(f"pupil {entry.student_id}")
    return _saved(visit, "quality_visit_saved", changed, actor, detail="progress")


@dataclass(frozen=True)
class ActionDraft:
    what: str
    owner: str
    owner_name: str
    due_on: date | None


def save_actions(visit: QualityVisit, rows: list[ActionDraft], *, actor) -> QualityVisit:
    """Replace the draft's actions with these rows (blank rows are left out). Actions are tracked
    from sign-off, so nothing that is being tracked is ever replaced."""
    _recording(visit)
    kept = []
    for row in rows:
        what = " ".join((row.what or "").split())[:1000]
        if not what:
            continue
        if row.owner not in ACTION_OWNERS:
            raise QualityError(f"Choose who will do “{what[:40]}”", field="actions")
        if row.due_on is None:
            raise QualityError(f"Enter the date “{what[:40]}” is due by", field="actions")
        kept.append(ActionDraft(what, row.owner, " ".join((row.owner_name or "").split())[:120], row.due_on))
    if len(kept) > MAX_ACTIONS:
        raise QualityError(f"A visit can have at most {MAX_ACTIONS} actions", field="actions")
    before = [(a.what, a.owner, a.owner_name, a.due_on) for a in visit.actions]
    after = [(a.what, a.owner, a.owner_name, a.due_on) for a in kept]
    if before == after:
        return _saved(visit, "quality_visit_saved", [], actor)
    visit.actions = [
        VisitAction(
            provider_id=visit.provider_id,
            position=n,
            what=a.what,
            owner=a.owner,
            owner_name=a.owner_name,
            due_on=a.due_on,
        )
        for n, a in enumerate(kept, start=1)
    ]
    return _saved(visit, "quality_visit_saved", ["actions"], actor, detail=f"{len(kept)} actions")


# --- The task list and sign-off ------------------------------------------------------------

COMPLETED, IN_PROGRESS, NOT_STARTED, OPTIONAL = "completed", "in_progress", "not_started", "optional"


@dataclass
class Section:
    key: str
    title: str
    status: str
    hint: str = ""
    items: list[ChecklistItem] = field(default_factory=list)


def _status(done: int, total: int) -> str:
    if total and done >= total:
        return COMPLETED
    return IN_PROGRESS if done else NOT_STARTED


def sections(visit: QualityVisit) -> list[Section]:
    """The parts of the visit record, in order, each with how far it has got."""
    result = []
    answered = {a.item_id for a in visit.answers if a.answer}
    for number, (title, items) in enumerate(visit.version.sections if visit.version else [], start=1):
        done = sum(1 for i in items if i.id in answered)
        result.append(
            Section(f"checklist-{number}", title, _status(done, len(items)), f"{done} of {len(items)} answered", items)
        )
    observation = sum(1 for v in (visit.observed_activity, visit.observation_notes) if v)
    result.append(Section("observation", "Session observed: activity and notes", _status(observation, 2)))
    entries = visit.progress_entries
    rated = sum(1 for e in entries if e.rating)
    result.append(
        Section(
            "progress",
            "Pupils' progress against their objectives",
            _status(rated, len(entries)) if entries else COMPLETED,
            f"{rated} of {_plural(len(entries), 'pupil')}" if entries else "No pupils placed here",
        )
    )
    voice = sum(1 for v in (visit.pupil_voice, visit.strengths) if v)
    result.append(Section("voice", "Pupil voice and strengths", _status(voice, 2)))
    result.append(
        Section(
            "actions",
            "Actions: what, who, by when",
            COMPLETED if visit.actions else OPTIONAL,
            _plural(len(visit.actions), "action") if visit.actions else "None yet",
        )
    )
    result.append(Section("judgement", "Overall judgement", COMPLETED if visit.overall_judgement else NOT_STARTED))
    return result


def find_section(visit: QualityVisit, key: str) -> Section | None:
    return next((s for s in sections(visit) if s.key == key), None)


def sign_off_problems(visit: QualityVisit) -> list[tuple[str, str]]:
    """What stops this visit being signed off: [(section key, message)]."""
    problems = []
    answers = {a.item_id: a for a in visit.answers}
    for section in sections(visit):
        if section.items:
            missing = [i for i in section.items if not (answers.get(i.id) and answers[i.id].answer)]
            if missing:
                problems.append((section.key, f"{section.title}: answer {_plural(len(missing), 'more item')}"))
            for item in section.items:
                answer = answers.get(item.id)
                if answer and answer.answer == NOT_MET and not answer.comment:
                    problems.append((section.key, f"Say what was not met: item {item.position}, “{item.text[:50]}”"))
    if not visit.observed_activity:
        problems.append(("observation", "Say which activity you observed"))
    unrated = [e for e in visit.progress_entries if not e.rating]
    if unrated:
        names = ", ".join(e.student.full_name for e in unrated)
        problems.append(("progress", f"Record progress for {names}"))
    not_met = any(a.answer == NOT_MET for a in visit.answers)
    if not_met and not visit.actions:
        problems.append(("actions", "An item is not met: add an action saying what will be done, by whom and when"))
    if not visit.overall_judgement:
        problems.append(("judgement", "Choose an overall judgement"))
    return problems


def sign_off(visit: QualityVisit, *, actor, today: date | None = None) -> QualityVisit:
    """Sign the visit off: from now on it is read-only and its actions are tracked."""
    _recording(visit)
    problems = sign_off_problems(visit)
    if problems:
        raise QualityError(
            f"The visit is not complete: {problems[0][1]}"
            + (f" (and {_plural(len(problems) - 1, 'more thing')})" if len(problems) > 1 else ""),
            field="confirm",
        )
    visit.status = SIGNED_OFF
    visit.signed_off_on = _today(today)
    visit.signed_off_by_id = getattr(actor, "id", None)
    audit.record(
        "quality_visit_signed_off",
        "quality_visit",
        visit.id,
        detail=f"{visit.provider.name}, {visit.visit_date}",
        user=actor,
        commit=True,
    )
    return visit


def record_sent(visit: QualityVisit, to: str, *, actor) -> QualityVisit:
    visit.sent_at, visit.sent_to = clock.utcnow(), to[:254]
    audit.record("quality_visit_sent", "quality_visit", visit.id, detail=f"report emailed to {to}"[:255], user=actor)
    db.session.commit()
    return visit


# --- Tracking actions ----------------------------------------------------------------------


def complete_action(action: VisitAction, *, note: str, actor, today: date | None = None) -> VisitAction:
    if action.visit.status != SIGNED_OFF:
        raise QualityError("Actions are tracked once the visit is signed off")
    if action.completed_on:
        raise QualityError("This action is already done", field="note")
    action.completed_on = _today(today)
    action.completed_by_id = getattr(actor, "id", None)
    action.completion_note = _clean(note, 2000)
    audit.record("quality_action_completed", "quality_action", action.id, user=actor)
    db.session.commit()
    return action


def respond_to_action(action: VisitAction, *, response: str, actor, now: datetime | None = None) -> VisitAction:
    """The provider's key worker says what they have done (the school then marks it done)."""
    response = _clean(response, 2000)
    if not response:
        raise QualityError("Say what you have done, or what you will do", field="response")
    if action.completed_on:
        raise QualityError("The school has already marked this action as done", field="response")
    action.provider_response = response
    action.responded_at = now or clock.utcnow()
    action.responded_by_id = getattr(actor, "id", None)
    audit.record("quality_action_response", "quality_action", action.id, fields=["provider_response"], user=actor)
    db.session.commit()
    return action


def erase_progress_entries(placement_ids) -> int:
    """Delete the progress seen on visits for these placements (the retention review); how many went."""
    return delete_rows(ProgressEntry, ProgressEntry.placement_id.in_(placement_ids))
