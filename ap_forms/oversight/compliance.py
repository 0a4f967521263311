"""The compliance board: every duty of the AP policy and the DfE's guidance as one small rule.

Each rule is a function registered with `@duty(...)`, carrying the sentence it enforces and where that
sentence comes from. It reads the day's `Facts` (loaded once, in a fixed number of set-based queries,
however many placements there are) and returns the records that need attention: each one *not met*
or *due soon*, with a link to the record. A rule with none is *met*. A new duty is one more function.

Who sees a row: the headteacher and SEND lead see every row except safeguarding concerns, which
only the DSL and headteacher read; the DSL sees the safeguarding rows only (`readers`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from types import SimpleNamespace

from flask import url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ap_forms.attendance.codes import ATTENDING_CODES
from ap_forms.attendance.models import ATTENDED
from ap_forms.attendance.services import (
    Cutoffs,
    ExpectedSession,
    _attach_records,
    expected_sessions,
    is_past_cutoff,
    is_past_end_of_day,
)
from ap_forms.extensions import db
from ap_forms.feedback.models import TERMLY, WEEKLY
from ap_forms.feedback.services import DueItem, due_items
from ap_forms.incidents.models import INCIDENT_KINDS, OPEN, SAFEGUARDING_KINDS, Report, ReportOpening
from ap_forms.placements.models import ACTIVE, ENDED, PLANNED, Placement
from ap_forms.placements.registration import (
    FULL_TIME_HOURS,
    REGISTERED_SCHOOL_TYPES,
    crosses_threshold,
    is_full_time,
)
from ap_forms.placements.services import next_reviews_due, with_timetable_history
from ap_forms.providers.models import Provider
from ap_forms.providers.services import CLEARED, NOT_CLEARED, CommissioningStatus, load_providers, statuses_for
from ap_forms.quality.models import SIGNED_OFF, QualityVisit, VisitAction
from ap_forms.quality.services import BEHIND, DUE, MISSED, ProviderPace, visit_pace
from ap_forms.referrals.models import SUBMITTED, Referral
from ap_forms.referrals.services import referrals_by_placement
from ap_forms.school_calendar.services import load_span
from ap_forms.web import clock
from ap_forms.web.roles import DSL, HEADTEACHER, SEND_LEAD
from ap_forms.web.templating import short_date

MET, DUE_SOON, NOT_MET = "met", "due", "not_met"
STATE_LABELS = {MET: "Met", DUE_SOON: "Due soon", NOT_MET: "Not met"}
STATE_TAGS = {MET: "govuk-tag--green", DUE_SOON: "govuk-tag--yellow", NOT_MET: "govuk-tag--red"}

DUE_SOON_DAYS = 14  # an end date, review or action within this many days is "due soon"
LOOK_BACK = timedelta(days=28)  # concerns and incidents from this long ago still count
INCIDENT_FOLLOW_UP_DAYS = 2  # an incident with no action recorded after this many days is not followed up

SAFEGUARDING_READERS = frozenset({HEADTEACHER, SEND_LEAD, DSL})
LEADERS = frozenset({HEADTEACHER, SEND_LEAD})
CONCERN_READERS = frozenset({HEADTEACHER, DSL})
BOARD_READERS = LEADERS | {DSL}

POLICY = "Isebrook School AP policy"
DFE_AP = "DfE, Arranging alternative provision (2025)"
DFE_REGISTER = "School Attendance (Pupil Registration) (England) Regulations 2024"
KCSIE = "Keeping children safe in education"


# --- What a rule returns ------------------------------------------------------------------------


@dataclass
class Item:
    """One record behind a rule that needs attention."""

    label: str
    url: str
    state: str
    note: str = ""
    pupil: int | None = None  # the pupil it is about (the governors' report counts pupils, never records)


@dataclass
class Outcome:
    items: list[Item] = field(default_factory=list)
    checked: int = 0  # how many records the rule looked at

    @property
    def state(self) -> str:
        states = {i.state for i in self.items}
        return NOT_MET if NOT_MET in states else DUE_SOON if DUE_SOON in states else MET

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def pupils(self) -> int:
        """How many pupils the records needing attention are about."""
        return len({i.pupil for i in self.items if i.pupil is not None})

    @property
    def not_met(self) -> int:
        return sum(1 for i in self.items if i.state == NOT_MET)

    @property
    def due(self) -> int:
        return sum(1 for i in self.items if i.state == DUE_SOON)


@dataclass(frozen=True)
class Duty:
    key: str
    title: str
    group: str
    source: str  # the sentence of the policy or guidance the rule enforces
    cite: str  # where it comes from
    check: Callable
    readers: frozenset[str] = LEADERS
    quoted: bool = False  # the source is the policy's own words (else the guidance in our words)
    about_pupils: bool = True  # its count is a number of pupils' records (suppressed under 5 in reports)

    @property
    def safeguarding(self) -> bool:
        return DSL in self.readers

    def run(self, facts: Facts) -> Outcome:
        """The rule's outcome, records not met first."""
        outcome = self.check(facts)
        outcome.items.sort(key=lambda i: i.state != NOT_MET)
        return outcome


DUTIES: list[Duty] = []
GROUPS = [
    "Providers and commissioning",
    "Starting a placement",
    "Quality assurance",
    "Attendance",
    "Feedback and reviews",
    "Safeguarding and incidents",
]


def duty(
    key: str,
    title: str,
    *,
    group: str,
    source: str,
    cite: str,
    readers=LEADERS,
    quoted: bool = False,
    about_pupils: bool = True,
):
    def register(check):
        DUTIES.append(Duty(key, title, group, source, cite, check, frozenset(readers), quoted, about_pupils))
        return check

    return register


def duties_for(role: str) -> list[Duty]:
    return [d for d in DUTIES if role in d.readers]


def get_duty(key: str) -> Duty | None:
    return next((d for d in DUTIES if d.key == key), None)


# --- The facts every rule reads, loaded once -----------------------------------------------------


@dataclass
class Facts:
    today: date
    now: datetime
    providers: list[Provider]
    statuses: dict[int, CommissioningStatus]
    placements: list[Placement]  # planned, active, and ended in the last four weeks
    referrals: dict[int, Referral]  # the approved referral of each placement, by placement id
    pending: list[Referral]  # submitted, waiting for a decision
    next_review: dict[int, date]
    pace: list[ProviderPace]
    actions: list[VisitAction]  # open actions from signed-off visits
    sessions: list[ExpectedSession]  # the previous school day's and today's, with marks, codes, contacts
    previous_day: date | None
    due: list[DueItem]
    reports: list[Report]  # sent reports: open ones, and any sent in the last four weeks
    openings: dict[int, list[ReportOpening]]
    cutoffs: Cutoffs

    @cached_property  # read in loops over every provider: computed once
    def current(self) -> list[Placement]:
        return [p for p in self.placements if p.status in (PLANNED, ACTIVE)]

    @cached_property
    def providers_in_use(self) -> list[Provider]:
        used = {p.provider_id for p in self.current} | {r.provider_id for r in self.pending if r.provider_id}
        return [p for p in self.providers if p.id in used]


def load_facts(today: date | None = None, now: datetime | None = None) -> Facts:
    """Everything the rules need, in a fixed number of queries whatever the number of placements."""
    now = now or clock.now()
    today = today or now.date()
    providers = load_providers()
    placements = list(
        db.session.scalars(
            with_timetable_history(select(Placement))
            .where(
                or_(
                    Placement.status.in_((PLANNED, ACTIVE)),
                    and_(Placement.status == ENDED, Placement.ended_on >= today - LOOK_BACK),
                )
            )
            .options(selectinload(Placement.key_worker))
            .order_by(Placement.start_date, Placement.id)
        )
    )
    ids = [p.id for p in placements]
    referrals = referrals_by_placement(ids)
    pending = list(
        db.session.scalars(
            select(Referral)
            .where(Referral.status == SUBMITTED)
            .options(selectinload(Referral.student), selectinload(Referral.sessions))
        )
    )
    active = [p for p in placements if p.status == ACTIVE]
    actions = list(
        db.session.scalars(
            select(VisitAction)
            .join(QualityVisit, VisitAction.visit_id == QualityVisit.id)
            .where(QualityVisit.status == SIGNED_OFF, VisitAction.completed_on.is_(None))
            .options(selectinload(VisitAction.provider))
            .order_by(VisitAction.due_on, VisitAction.id)
        )
    )
    span = load_span(today - timedelta(days=28), today + timedelta(days=28))
    previous = span.previous_school_day(today)
    start = previous or today
    running = [p for p in placements if p.status in (ACTIVE, ENDED)]
    rows = expected_sessions(running, start, today, span)
    _attach_records(rows, start, today, with_contacts=True, now=now)
    since = clock.to_utc(datetime.combine(today - LOOK_BACK, time()))
    reports = list(
        db.session.scalars(
            select(Report)
            .where(Report.status != "draft", or_(Report.status == OPEN, Report.submitted_at >= since))
            .options(selectinload(Report.actions), selectinload(Report.student))
            .order_by(Report.submitted_at)
        )
    )
    openings: dict[int, list[ReportOpening]] = defaultdict(list)
    if reports:
        for opening in db.session.scalars(
            select(ReportOpening)
            .where(ReportOpening.report_id.in_([r.id for r in reports]))
            .order_by(ReportOpening.opened_at)
        ):
            openings[opening.report_id].append(opening)
    school = SimpleNamespace(role=HEADTEACHER, id=None)  # the school's view: every placement
    return Facts(
        today=today,
        now=now,
        providers=providers,
        statuses=statuses_for(providers, today),
        placements=placements,
        referrals=referrals,
        pending=pending,
        next_review=next_reviews_due(active),
        pace=visit_pace(today=today),
        actions=actions,
        sessions=rows,
        previous_day=previous,
        due=due_items(school, today, placements=placements),
        reports=reports,
        openings=openings,
        cutoffs=Cutoffs.for_current_school(),
    )


@dataclass
class Row:
    duty: Duty
    outcome: Outcome

    @property
    def state(self) -> str:
        return self.outcome.state


def board(role: str, facts: Facts | None = None) -> list[Row]:
    """The rows this role sees, in the order the duties are declared."""
    facts = facts or load_facts()
    return [Row(d, d.run(facts)) for d in duties_for(role)]


# --- Helpers -------------------------------------------------------------------------------------


def _pupil(placement: Placement) -> str:
    return f"{placement.student.full_name} at {placement.provider.name}"


def _placement_url(placement: Placement) -> str:
    return url_for("placements.placement", placement_id=placement.id)


def _placement_item(p: Placement, state: str, note: str) -> Item:
    return Item(_pupil(p), _placement_url(p), state, note, pupil=p.student_id)


def _provider_item(provider: Provider, state: str, note: str) -> Item:
    return Item(provider.name, url_for("providers.provider", provider_id=provider.id), state, note)


def _needed_before_start(
    facts: Facts, missing: Callable[[Placement], bool], note: Callable[[Placement], str]
) -> Outcome:
    """Something each current placement needs before it starts: due soon while planned, not met once active."""
    out = Outcome(checked=len(facts.current))
    for p in facts.current:
        if missing(p):
            out.items.append(_placement_item(p, NOT_MET if p.status == ACTIVE else DUE_SOON, note(p)))
    return out


def _within(day: date, today: date, days: int = DUE_SOON_DAYS) -> bool:
    return today <= day <= today + timedelta(days=days)


# --- The rules ------------------------------------------------------------------------------------


@duty(
    "providers_cleared",
    "Providers cleared before use",
    group=GROUPS[0],
    source="Before commissioning a service, the school must ensure that the provider is Ofsted registered "
    "and /or on the North Northamptonshire approved provider list. The provider must complete an agreed "
    "Service Level Agreement [and] a check of Risk Assessments and Documentation.",
    cite=POLICY + ", Commissioning",
    quoted=True,
    about_pupils=False,
)
def providers_cleared(facts: Facts) -> Outcome:
    out = Outcome(checked=len(facts.providers_in_use))
    for provider in facts.providers_in_use:
        status = facts.statuses[provider.id]
        if status.state != CLEARED:
            state = NOT_MET if status.state == NOT_CLEARED else DUE_SOON
            note = (status.problems or status.expiring)[0]
            out.items.append(_provider_item(provider, state, note))
    return out


SAFEGUARDING_PARTS = ("vetting", "trust_policy", "training", "checklist")


@duty(
    "provider_safeguarding",
    "Providers' vetting confirmation, safeguarding checklist and CPD current",
    group=GROUPS[0],
    readers=SAFEGUARDING_READERS,
    about_pupils=False,
    source="Be satisfied that a Safeguarding checklist has been completed. AP providers attend annual CPD "
    "(Continued Professional Development) sessions including safeguarding training.",
    cite=POLICY + ", Commissioning; written confirmation of staff checks: " + KCSIE,
    quoted=True,
)
def provider_safeguarding(facts: Facts) -> Outcome:
    out = Outcome(checked=len(facts.providers_in_use))
    for provider in facts.providers_in_use:
        parts = [p for p in facts.statuses[provider.id].parts if p.key in SAFEGUARDING_PARTS]
        problems = [m for p in parts for m in p.problems]
        expiring = [m for p in parts for m in p.expiring]
        if problems or expiring:
            out.items.append(_provider_item(provider, NOT_MET if problems else DUE_SOON, (problems or expiring)[0]))
    return out


@duty(
    "registration_threshold",
    "Unregistered providers under the registration threshold",
    group=GROUPS[0],
    about_pupils=False,
    source="A provider that is not a registered school must not give full-time education to 5 or more pupils, "
    "or to one pupil with an EHCP or who is looked after. Check it, from the agreed timetables, before "
    "a placement is approved.",
    cite=DFE_AP + "; Education and Skills Act 2008, section 92",
)
def registration_threshold(facts: Facts) -> Outcome:
    providers = [p for p in facts.providers_in_use if p.registration_type not in REGISTERED_SCHOOL_TYPES]
    out = Outcome(checked=len(providers))
    placed_full_time, proposed_full_time = defaultdict(list), defaultdict(list)
    for placement in facts.current:
        if is_full_time(placement.sessions):
            placed_full_time[placement.provider_id].append(placement)
    for referral in facts.pending:
        if referral.provider_id and is_full_time(referral.sessions):
            proposed_full_time[referral.provider_id].append(referral)
    for provider in providers:
        placed, proposed = placed_full_time[provider.id], proposed_full_time[provider.id]

        now_students = [p.student for p in placed]
        if crosses_threshold(now_students):
            special = any(s.ehcp or s.looked_after for s in now_students)
            count = len(now_students)
            out.items.append(
                _provider_item(
                    provider,
                    NOT_MET,
                    f"{count} pupil{'s' if count != 1 else ''} full time ({FULL_TIME_HOURS} hours or "
                    "more a week)" + (", including a pupil with an EHCP or looked after" if special else ""),
                )
            )
        elif proposed and crosses_threshold(now_students + [r.student for r in proposed]):
            out.items.append(
                _provider_item(
                    provider,
                    DUE_SOON,
                    f"A referral waiting for approval would make {provider.name} give full-time "
                    "education it is not registered for: change the timetable before approving",
                )
            )
    return out


@duty(
    "la_told",
    "Local Authority told of every placement",
    group=GROUPS[1],
    source="Tell the Local Authority of every placement the school commissions, and record when and how.",
    cite=DFE_AP,
)
def la_told(facts: Facts) -> Outcome:
    return _needed_before_start(
        facts,
        lambda p: p.la_told_on is None,
        lambda p: (
            "Started without the Local Authority being told"
            if p.status == ACTIVE
            else f"Starts {short_date(p.start_date)}: tell the Local Authority"
        ),
    )


@duty(
    "parents_agreement",
    "Parents' agreement recorded for each placement",
    group=GROUPS[1],
    source="An agreement will be made through the Annual Review or Interim Review process, between the school "
    "and the parents with regards to referring the student to alternative provision.",
    cite=POLICY + ", Referral process",
    quoted=True,
)
def parents_agreement(facts: Facts) -> Outcome:
    def not_agreed(p: Placement) -> bool:
        referral = facts.referrals.get(p.id)
        return referral is None or referral.agreed_on is None

    return _needed_before_start(facts, not_agreed, lambda p: "No date of the parents' agreement on the Referral Form")


@duty(
    "parents_told",
    "Parents told the reason, start, length, provider, site and review",
    group=GROUPS[1],
    source="Tell parents why the placement is being made, when it starts, how long it lasts, which provider "
    "and where, and how it will be reviewed.",
    cite=DFE_AP,
)
def parents_told(facts: Facts) -> Outcome:
    return _needed_before_start(
        facts, lambda p: p.parents_told_on is None, lambda p: "Not recorded that the parents were told the details"
    )


@duty(
    "part_time_temporary",
    "Part-time timetables are temporary, with an end date",
    group=GROUPS[1],
    source="Part-time timetables are used only temporarily, in exceptional circumstances, agreed with parents, "
    "with an end or review date.",
    cite="DfE, Working together to improve school attendance (2024)",
)
def part_time_temporary(facts: Facts) -> Outcome:
    part_time = [p for p in facts.current if not is_full_time(p.sessions)]
    out = Outcome(checked=len(part_time))
    for p in part_time:
        end = p.planned_end_date
        if end is None:
            out.items.append(_placement_item(p, NOT_MET, "Part time with no end date"))
        elif end < facts.today:
            out.items.append(_placement_item(p, NOT_MET, f"Past its end date, {short_date(end)}"))
        elif _within(end, facts.today):
            out.items.append(_placement_item(p, DUE_SOON, f"Ends {short_date(end)}: decide what next"))
    return out


@duty(
    "qa_pace",
    "Quality-assurance visits on pace: three a year per provider",
    group=GROUPS[2],
    about_pupils=False,
    source="The SEND & Inclusion Lead ensures that Quality Assurance visits are undertaken at least three times "
    "each school year.",
    cite=POLICY + ", Commissioning",
    quoted=True,
)
def qa_pace(facts: Facts) -> Outcome:
    rows = [r for r in facts.pace if r.in_use]
    out = Outcome(checked=len(rows))
    for r in rows:
        if r.state in (BEHIND, MISSED, DUE):
            out.items.append(
                Item(r.provider.name, url_for("quality.index"), DUE_SOON if r.state == DUE else NOT_MET, r.message)
            )
    return out


@duty(
    "qa_actions",
    "Actions from visits done by their dates",
    group=GROUPS[2],
    about_pupils=False,
    source="Work together to continue to improve the service.",
    cite=POLICY + ", Commissioning",
    quoted=True,
)
def qa_actions(facts: Facts) -> Outcome:
    out = Outcome(checked=len(facts.actions))
    for a in facts.actions:
        if a.due_on < facts.today:
            state, note = NOT_MET, f"Was due {short_date(a.due_on)}"
        elif _within(a.due_on, facts.today, 7):
            state, note = DUE_SOON, f"Due {short_date(a.due_on)}"
        else:
            continue
        out.items.append(Item(f"{a.provider.name}: {a.what}", url_for("quality.action", action_id=a.id), state, note))
    return out


def _session_item(row: ExpectedSession, state: str, note: str) -> Item:
    return Item(
        f"{row.student.full_name}, {short_date(row.day)} {row.session}",
        url_for("attendance.session", placement_id=row.placement.id, day_text=row.day.isoformat(), session=row.session),
        state,
        note,
        pupil=row.placement.student_id,
    )


@duty(
    "attendance_reported",
    "Attendance reported for every expected session today and yesterday",
    group=GROUPS[3],
    readers=SAFEGUARDING_READERS,
    source="The School must formally monitor the attendance of students placed in alternative provision and "
    "update attendance records daily.",
    cite=POLICY + ", Monitoring attendance",
    quoted=True,
)
def attendance_reported(facts: Facts) -> Outcome:
    out = Outcome(checked=len(facts.sessions))
    for row in facts.sessions:
        if row.mark is not None:
            continue
        if row.day < facts.today or is_past_cutoff(row.day, row.session, facts.now, facts.cutoffs):
            out.items.append(_session_item(row, NOT_MET, "Not reported by the provider"))
        else:
            out.items.append(_session_item(row, DUE_SOON, "Not reported yet; the cut-off has not passed"))
    return out


@duty(
    "parents_contacted",
    "Parents contacted for every absence",
    group=GROUPS[3],
    readers=SAFEGUARDING_READERS,
    source="The school will contact students' parents, where their child has been absent from provision, to "
    "resolve the issue and to ensure regular attendance is achieved.",
    cite=POLICY + ", Monitoring attendance",
    quoted=True,
)
def parents_contacted(facts: Facts) -> Outcome:
    absent = [r for r in facts.sessions if r.absent]
    out = Outcome(checked=len(absent))
    for row in absent:
        if row.parent_reached:
            continue
        late = row.day < facts.today or is_past_end_of_day(row.day, facts.now, facts.cutoffs)
        out.items.append(_session_item(row, NOT_MET if late else DUE_SOON, "Absent; no parent reached"))
    return out


@duty(
    "register_codes",
    "Register codes recorded; B only where the provider confirmed attendance",
    group=GROUPS[3],
    source="Code B is recorded only for approved, supervised education off site that the school knows the pupil "
    "attended; when the provider reports an absence the school records the absence code.",
    cite=DFE_REGISTER,
)
def register_codes(facts: Facts) -> Outcome:
    out = Outcome(checked=len(facts.sessions))
    for row in facts.sessions:
        if (
            row.entry is not None
            and row.entry.code in ATTENDING_CODES
            and row.entry.code == "B"
            and (row.mark is None or row.mark.status not in ATTENDED)
        ):
            out.items.append(_session_item(row, NOT_MET, "Code B without the provider confirming attendance"))
        elif row.needs_code and (row.day < facts.today):
            out.items.append(
                _session_item(
                    row,
                    NOT_MET,
                    "No register code"
                    if row.entry is None
                    else "The provider changed its mark since the code was recorded",
                )
            )
        elif row.needs_code and row.outcome is not None:
            out.items.append(_session_item(row, DUE_SOON, "Reported; register code to record"))
    return out


def _due_outcome(facts: Facts, kind: str, what: str) -> Outcome:
    """One record per placement: how many are missing, and the oldest due date."""
    running = [p for p in facts.placements if p.status in (ACTIVE, ENDED)]
    out = Outcome(checked=len(running))
    by_placement: dict[int, list[DueItem]] = defaultdict(list)
    for item in facts.due:
        if item.kind == kind:
            by_placement[item.placement.id].append(item)
    for items in by_placement.values():
        placement, overdue = items[0].placement, [i for i in items if i.overdue]
        oldest = min(i.due_by for i in items)
        note = (
            f"{len(overdue)} {what}{'s' if len(overdue) != 1 else ''} overdue, the oldest due {short_date(oldest)}"
            if overdue
            else f"Due by {short_date(oldest)}"
        )
        out.items.append(
            Item(
                _pupil(placement),
                url_for("feedback.due_list", provider=placement.provider_id),
                NOT_MET if overdue else DUE_SOON,
                note,
                pupil=placement.student_id,
            )
        )
    return out


@duty(
    "weekly_feedback",
    "Weekly feedback from providers",
    group=GROUPS[4],
    source="Isebrook School maintain ongoing contact with the provider/key worker (weekly feedback form).",
    cite=POLICY + ", Communication with providers",
    quoted=True,
)
def weekly_feedback(facts: Facts) -> Outcome:
    return _due_outcome(facts, WEEKLY, "week")


@duty(
    "termly_reports",
    "Termly reports from providers",
    group=GROUPS[4],
    source="Providers are required to complete a termly report on the student's engagement.",
    cite=POLICY + ", Monitoring academic progress, behaviour, and welfare",
    quoted=True,
)
def termly_reports(facts: Facts) -> Outcome:
    return _due_outcome(facts, TERMLY, "report")


@duty(
    "reviews",
    "Placements reviewed at least every half term",
    group=GROUPS[4],
    source="Review each placement at least half-termly, and keep a record of progress, achievements and the "
    "pupil's view.",
    cite=DFE_AP,
)
def reviews(facts: Facts) -> Outcome:
    active = [p for p in facts.placements if p.status == ACTIVE]
    out = Outcome(checked=len(active))
    for p in active:
        due = facts.next_review[p.id]
        if due < facts.today:
            out.items.append(_placement_item(p, NOT_MET, f"Review was due {short_date(due)}"))
        elif _within(due, facts.today):
            out.items.append(_placement_item(p, DUE_SOON, f"Review due {short_date(due)}"))
    return out


def _local_day(value: datetime | None) -> date | None:
    local = clock.to_local(value)
    return local.date() if local else None


@duty(
    "concerns_opened",
    "Safeguarding concerns opened by a DSL the same day",
    group=GROUPS[5],
    readers=CONCERN_READERS,
    source="Providers are made aware that they must raise any safeguarding concerns regarding a student of the "
    "school with the Designated Safeguarding Leads as soon as possible.",
    cite=POLICY + ", Communication with providers",
    quoted=True,
)
def concerns_opened(facts: Facts) -> Outcome:
    concerns = [r for r in facts.reports if r.kind in SAFEGUARDING_KINDS]
    out = Outcome(checked=len(concerns))
    for report in concerns:
        sent = _local_day(report.submitted_at)
        by_dsl = [o for o in facts.openings[report.id] if o.role == DSL]
        first = _local_day(by_dsl[0].opened_at) if by_dsl else None
        if first is not None and first == sent:
            continue
        label = f"{report.reference}, sent {short_date(sent)}" if sent else report.reference
        url = url_for("incidents.concern", report_id=report.id)
        if first is None and sent == facts.today:
            out.items.append(Item(label, url, DUE_SOON, "Not opened by a DSL yet", pupil=report.student_id))
        else:
            out.items.append(
                Item(
                    label,
                    url,
                    NOT_MET,
                    "Not opened by a DSL on the day it was sent"
                    if first is None
                    else f"First opened by a DSL on {short_date(first)}",
                    pupil=report.student_id,
                )
            )
    return out


def _follow_up(facts: Facts, kinds, endpoint: str) -> Outcome:
    open_reports = [r for r in facts.reports if r.kind in kinds and r.status == OPEN]
    out = Outcome(checked=len(open_reports))
    for report in open_reports:
        if report.actions:
            continue
        sent = _local_day(report.submitted_at) or facts.today
        late = (facts.today - sent).days > INCIDENT_FOLLOW_UP_DAYS
        out.items.append(
            Item(
                f"{report.reference}, sent {short_date(sent)}",
                url_for(endpoint, report_id=report.id),
                NOT_MET if late else DUE_SOON,
                "No action recorded yet",
                pupil=report.student_id,
            )
        )
    return out


@duty(
    "concerns_followed_up",
    "Safeguarding concerns followed up",
    group=GROUPS[5],
    readers=CONCERN_READERS,
    source="Report Safeguarding concerns to the school DSL/DDSL.",
    cite=POLICY + ", Aims",
    quoted=True,
)
def concerns_followed_up(facts: Facts) -> Outcome:
    return _follow_up(facts, SAFEGUARDING_KINDS, "incidents.concern")


@duty(
    "incidents_followed_up",
    "Serious incidents and health and safety breaches followed up",
    group=GROUPS[5],
    source="Deciding on an appropriate course of action, in conjunction with the Headteacher, if informed by a "
    "provider of any serious behavioural incidents in relation to school students.",
    cite=POLICY + ", Roles and responsibilities",
    quoted=True,
)
def incidents_followed_up(facts: Facts) -> Outcome:
    return _follow_up(facts, INCIDENT_KINDS, "incidents.incident")
