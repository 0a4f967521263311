"""The compliance board (issue 12): each rule met / due soon / not met on a pinned day, the board's
query count does not grow with placements, and who sees which rows."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from ap_forms.attendance.models import ParentContact, RegisterEntry
from ap_forms.extensions import db
from ap_forms.feedback.models import SUBMITTED, TermlyReport, WeeklyFeedback
from ap_forms.incidents.models import ReportAction, ReportOpening
from ap_forms.oversight.compliance import DUE_SOON, DUTIES, MET, NOT_MET, get_duty, load_facts
from ap_forms.placements.models import PLANNED, TimetableSession
from tests import factories as f

# Wednesday 25 November 2026, 10:30: a school day in the autumn term (ends Friday 18 December).
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 30)


@pytest.fixture
def school(app):
    year = f.make_school_year(2026)
    users = SimpleNamespace(
        head=f.make_user("headteacher"),
        lead=f.make_user("send_lead"),
        dsl=f.make_user("dsl"),
        office=f.make_user("office"),
    )
    provider = f.make_provider(name="Meadow Farm")
    kw = f.make_user("key_worker", provider_id=provider.id)
    f.clear_provider(provider, on=TODAY - timedelta(days=30), actor=users.lead)
    return SimpleNamespace(year=year, provider=provider, kw=kw, pupil=f.make_student(first_name="Ava"), **vars(users))


def check(app, key: str, now: datetime = NOW):
    with app.test_request_context():
        return get_duty(key).run(load_facts(today=now.date(), now=now))


def place(s, pupil=None, provider=None, **kw):
    kw.setdefault("la_told_on", TODAY - timedelta(days=80))
    kw.setdefault("parents_told_on", TODAY - timedelta(days=80))
    return f.make_placement(pupil or s.pupil, provider or s.provider, s.kw, **kw)


def full_time(placement):
    """Five days of 9:00 to 15:00: 30 hours a week."""
    placement.sessions = [
        TimetableSession(weekday=d, start_time=time(9), end_time=time(15), activity="Farm work", site_address="")
        for d in range(5)
    ]
    db.session.commit()
    return placement


def test_every_rule_has_its_sentence_and_a_unique_key():
    keys = [d.key for d in DUTIES]
    assert len(keys) == len(set(keys)) >= 17
    assert all(d.source and d.cite and d.title for d in DUTIES)


# --- Providers and commissioning -----------------------------------------------------------------


def test_providers_cleared(app, school):
    place(school)
    assert check(app, "providers_cleared").state == MET
    lapsing = f.make_provider(name="Lapsing Ltd")
    f.clear_provider(lapsing, on=TODAY - timedelta(days=350))  # annual checks due within 30 days
    place(school, f.make_student(), lapsing)
    result = check(app, "providers_cleared")
    assert (result.state, result.count, result.items[0].label) == (DUE_SOON, 1, "Lapsing Ltd")
    place(school, f.make_student(), f.make_provider(name="Never Checked"))
    result = check(app, "providers_cleared")
    assert result.state == NOT_MET and result.not_met == 1 and result.due == 1
    assert result.items[0].url.startswith("/providers/")


def test_provider_safeguarding_checks(app, school):
    place(school)
    assert check(app, "provider_safeguarding").state == MET
    school.provider.staff_changed_on = TODAY  # a change of staff needs new written confirmation of vetting
    db.session.commit()
    result = check(app, "provider_safeguarding")
    assert result.state == NOT_MET and "vetting" in result.items[0].note
    other = f.make_provider(name="Old Training")
    f.clear_provider(other, on=TODAY - timedelta(days=350))
    place(school, f.make_student(), other)
    assert [i.state for i in check(app, "provider_safeguarding").items] == [NOT_MET, DUE_SOON]


def test_registration_threshold(app, school):
    part_time = place(school)
    assert check(app, "registration_threshold").state == MET
    # One full-time pupil with an EHCP at a provider that is not a registered school: not met.
    full_time(part_time)
    result = check(app, "registration_threshold")
    assert result.state == NOT_MET and "EHCP" in result.items[0].note
    # A registered independent school may give full-time education.
    school.provider.registration_type = "independent_school"
    db.session.commit()
    assert check(app, "registration_threshold").state == MET


def test_registration_threshold_flags_a_referral_before_approval(app, school):
    place(school, f.make_student(ehcp=False))
    referral = f.make_referral(
        f.make_student(ehcp=False, looked_after=True), school.provider, school.lead, status="submitted"
    )
    assert check(app, "registration_threshold").state == MET  # its proposed timetable is part time
    for session in referral.sessions:
        session.start_time, session.end_time = time(8), time(17)
    referral.sessions[0].weekday, referral.sessions[1].weekday = 0, 1  # 18 hours over two days
    db.session.commit()
    result = check(app, "registration_threshold")
    assert result.state == DUE_SOON and "waiting for approval" in result.items[0].note


def test_five_full_time_pupils_without_ehcp_cross_the_threshold(app, school):
    for _ in range(4):
        full_time(place(school, f.make_student(ehcp=False)))
    assert check(app, "registration_threshold").state == MET
    full_time(place(school, f.make_student(ehcp=False)))
    assert check(app, "registration_threshold").state == NOT_MET


# --- Starting a placement ----------------------------------------------------------------------------


@pytest.mark.parametrize("key, field", [("la_told", "la_told_on"), ("parents_told", "parents_told_on")])
def test_told_of_the_placement(app, school, key, field):
    place(school)
    assert check(app, key).state == MET
    place(school, f.make_student(), status=PLANNED, start_date=TODAY + timedelta(days=7), **{field: None})
    assert check(app, key).state == DUE_SOON
    place(school, f.make_student(), **{field: None})
    result = check(app, key)
    assert result.state == NOT_MET and (result.not_met, result.due, result.checked) == (1, 1, 3)


def test_parents_agreement(app, school):
    agreed = place(school)
    f.make_referral(school.pupil, school.provider, school.lead, status="approved", placement_id=agreed.id)
    assert check(app, "parents_agreement").state == MET
    planned = place(school, f.make_student(), status=PLANNED, start_date=TODAY + timedelta(days=7))
    f.make_referral(
        planned.student, school.provider, school.lead, status="approved", placement_id=planned.id, agreed_on=None
    )
    assert check(app, "parents_agreement").state == DUE_SOON
    place(school, f.make_student())  # no referral with the parents' agreement at all
    assert check(app, "parents_agreement").state == NOT_MET


def test_part_time_timetables_are_temporary(app, school):
    place(school, planned_end_date=TODAY + timedelta(days=60))
    full_time(place(school, f.make_student(), planned_end_date=None))  # full time: not this rule's business
    assert check(app, "part_time_temporary").state == MET
    place(school, f.make_student(), planned_end_date=TODAY + timedelta(days=10))
    assert check(app, "part_time_temporary").state == DUE_SOON
    place(school, f.make_student(), planned_end_date=None)
    result = check(app, "part_time_temporary")
    assert result.state == NOT_MET and result.items[0].note == "Part time with no end date"
    assert result.checked == 3


# --- Quality assurance --------------------------------------------------------------------------------


def test_visits_on_pace(app, school):
    place(school)
    early = datetime(2026, 10, 5, 10, 30)  # plenty of the autumn term left, no visit yet
    assert check(app, "qa_pace", early).state == DUE_SOON
    assert check(app, "qa_pace").state == NOT_MET  # 23 days before the term ends, none done or planned
    f.complete_visit(f.record_visit(school.provider, school.lead, TODAY - timedelta(days=10)), school.lead)
    assert check(app, "qa_pace").state == MET


def test_visit_actions(app, school):
    place(school)
    visit = f.record_visit(school.provider, school.lead, TODAY - timedelta(days=20))
    f.complete_visit(visit, school.lead, actions=[("Fence the pond", "provider", TODAY + timedelta(days=30))])
    assert check(app, "qa_actions").state == MET
    assert check(app, "qa_actions", NOW + timedelta(days=25)).state == DUE_SOON
    result = check(app, "qa_actions", NOW + timedelta(days=31))
    assert result.state == NOT_MET and result.items[0].url.startswith("/quality/actions/")


# --- Attendance ---------------------------------------------------------------------------------------


def test_attendance_reported(app, school):
    placement = place(school)  # Monday and Wednesday mornings, 9:30 to 12:00
    assert check(app, "attendance_reported", datetime(2026, 11, 25, 9, 40)).state == DUE_SOON  # before 10:00
    result = check(app, "attendance_reported")
    assert result.state == NOT_MET and result.items[0].url.endswith(f"/{placement.id}/2026-11-25/AM")
    f.make_mark(placement, TODAY, by=school.kw)
    assert check(app, "attendance_reported").state == MET


def test_parents_contacted_for_every_absence(app, school):
    placement = place(school)
    f.make_mark(placement, TODAY, status="absent", by=school.kw, absence_reason="unknown")
    assert check(app, "parents_contacted").state == DUE_SOON
    assert check(app, "parents_contacted", datetime(2026, 11, 25, 16, 30)).state == NOT_MET  # end of the day
    db.session.add(
        ParentContact(
            student_id=placement.student_id,
            day=TODAY,
            contacted_at=NOW,
            contacted_by_id=school.office.id,
            contact_with="Mother",
            method="phone",
            outcome="reached",
            recorded_at=NOW,
        )
    )
    db.session.commit()
    assert check(app, "parents_contacted", datetime(2026, 11, 25, 16, 30)).state == MET


def _code(placement, day, code, by):
    db.session.add(
        RegisterEntry(
            placement_id=placement.id,
            day=day,
            session="AM",
            code=code,
            recorded_by_id=by.id,
            recorded_at=NOW,
            mark_version=1,
        )
    )
    db.session.commit()


def test_register_codes(app, school):
    placement = place(school, weekdays=(1, 2))  # Tuesday (yesterday) and Wednesday mornings
    yesterday = TODAY - timedelta(days=1)
    f.make_mark(placement, yesterday, by=school.kw)
    f.make_mark(placement, TODAY, by=school.kw)
    _code(placement, yesterday, "B", school.office)
    assert check(app, "register_codes").state == DUE_SOON  # today's reported session has no code yet
    _code(placement, TODAY, "B", school.office)
    assert check(app, "register_codes").state == MET
    other = place(school, f.make_student(), weekdays=(1,))
    result = check(app, "register_codes")
    assert result.state == NOT_MET and result.items[0].note == "No register code"  # yesterday, unreported
    f.make_mark(other, yesterday, status="absent", by=school.kw, absence_reason="ill")
    _code(other, yesterday, "B", school.office)  # B for a session the provider says was missed
    result = check(app, "register_codes")
    assert result.state == NOT_MET and result.items[0].note.startswith("Code B without")


# --- Feedback and reviews -------------------------------------------------------------------------


def _weekly(placement, week, by):
    db.session.add(
        WeeklyFeedback(
            placement_id=placement.id,
            week_start=week,
            status=SUBMITTED,
            engagement=4,
            author_id=by.id,
            submitted_at=NOW,
        )
    )
    db.session.commit()


def test_weekly_feedback(app, school):
    placement = place(school, start_date=date(2026, 11, 16))
    _weekly(placement, date(2026, 11, 16), school.kw)
    assert check(app, "weekly_feedback").state == DUE_SOON  # this week's is due by next Monday
    _weekly(placement, date(2026, 11, 23), school.kw)
    assert check(app, "weekly_feedback").state == MET
    place(school, f.make_student(), start_date=date(2026, 11, 16))
    result = check(app, "weekly_feedback")
    assert result.state == NOT_MET and result.count == 1  # one placement, two weeks missing
    assert result.items[0].note == "1 week overdue, the oldest due 23 Nov 2026"


def test_termly_reports(app, school):
    placement = place(school)
    holiday = datetime(2026, 12, 23, 10, 0)
    for week in (date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14)):
        _weekly(placement, week, school.kw)
    assert check(app, "termly_reports", holiday).state == DUE_SOON  # autumn ended 18 December, due by 1 January
    assert check(app, "termly_reports", datetime(2027, 1, 6, 10, 0)).state == NOT_MET
    db.session.add(
        TermlyReport(
            placement_id=placement.id,
            term_id=school.year.term("Autumn").id,
            status=SUBMITTED,
            author_id=school.kw.id,
            submitted_at=NOW,
        )
    )
    db.session.commit()
    assert check(app, "termly_reports", datetime(2027, 1, 6, 10, 0)).state == MET


def test_reviews_at_least_half_termly(app, school):
    place(school, start_date=date(2026, 11, 16))  # first review due 11 January
    assert check(app, "reviews").state == MET
    place(school, f.make_student(), start_date=date(2026, 10, 5))  # due 30 November
    assert check(app, "reviews").state == DUE_SOON
    place(school, f.make_student(), start_date=date(2026, 9, 7))  # due 2 November
    result = check(app, "reviews")
    assert result.state == NOT_MET and result.items[0].note == "Review was due 2 Nov 2026"


# --- Safeguarding and incidents --------------------------------------------------------------------------


def _sent(report, at: datetime):
    report.submitted_at = at - timedelta(hours=0)  # UTC; in November, UTC is the school's time
    db.session.commit()
    return report


def _opened(report, user, at: datetime):
    db.session.add(ReportOpening(report_id=report.id, user_id=user.id, role=user.role, opened_at=at))
    db.session.commit()


def test_concerns_opened_by_a_dsl_the_same_day(app, school):
    concern = _sent(f.make_report("concern", school.kw, school.pupil), datetime(2026, 11, 25, 9, 0))
    assert check(app, "concerns_opened").state == DUE_SOON
    _opened(concern, school.head, datetime(2026, 11, 25, 9, 20))  # the headteacher is not a DSL
    assert check(app, "concerns_opened").state == DUE_SOON
    _opened(concern, school.dsl, datetime(2026, 11, 25, 9, 30))
    assert check(app, "concerns_opened").state == MET
    late = _sent(f.make_report("concern", school.kw, school.pupil), datetime(2026, 11, 23, 15, 0))
    _opened(late, school.dsl, datetime(2026, 11, 24, 8, 45))
    result = check(app, "concerns_opened")
    assert result.state == NOT_MET and result.items[0].note == "First opened by a DSL on 24 Nov 2026"


@pytest.mark.parametrize("kind, key", [("concern", "concerns_followed_up"), ("behaviour", "incidents_followed_up")])
def test_reports_followed_up(app, school, kind, key):
    report = _sent(f.make_report(kind, school.kw, school.pupil), datetime(2026, 11, 24, 11, 0))
    assert check(app, key).state == DUE_SOON
    old = _sent(f.make_report(kind, school.kw, school.pupil), datetime(2026, 11, 20, 11, 0))
    assert check(app, key).state == NOT_MET
    for r in (report, old):
        db.session.add(
            ReportAction(
                report_id=r.id,
                kind="other",
                taken_on=TODAY,
                taken_by="DSL",
                details="Called",
                recorded_by_id=school.dsl.id,
            )
        )
    db.session.commit()
    assert check(app, key).state == MET


# --- The page: who sees what, and a fixed number of queries ----------------------------------------------


def test_board_rows_by_role(app, school, auth):
    app.config["FROZEN_NOW"] = NOW.isoformat()
    place(school)
    page = auth.as_user(school.lead).get("/oversight/compliance").get_data(as_text=True)
    assert "Local Authority told" in page and "Attendance reported" in page
    assert "opened by a DSL the same day" not in page  # the SEND lead does not read concerns
    page = auth.as_user(school.dsl).get("/oversight/compliance").get_data(as_text=True)
    assert "Attendance reported" in page and "opened by a DSL the same day" in page
    assert "Local Authority told" not in page
    assert auth.client.get("/oversight/compliance/la_told").status_code == 404
    assert auth.client.get("/oversight/compliance/nonsense").status_code == 404
    detail = auth.client.get("/oversight/compliance/attendance_reported")
    assert detail.status_code == 200 and "Ava" in detail.get_data(as_text=True)
    assert auth.as_user(school.office).get("/oversight/compliance").status_code == 403


@contextmanager
def count_queries():
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _busy_placements(s, n: int) -> None:
    """n placements with what each rule reads: marks, codes, contacts, feedback, reviews, referrals, reports."""
    for _ in range(n):
        pupil = f.make_student()
        placement = place(s, pupil, weekdays=(1, 2), start_date=date(2026, 10, 5))
        f.make_referral(pupil, s.provider, s.lead, status="approved", placement_id=placement.id)
        f.make_mark(placement, TODAY - timedelta(days=1), status="absent", by=s.kw, absence_reason="ill")
        _code(placement, TODAY - timedelta(days=1), "I", s.office)
        _weekly(placement, date(2026, 11, 16), s.kw)
        _sent(f.make_report("concern", s.kw, pupil), datetime(2026, 11, 24, 9, 0))
        f.make_report("behaviour", s.kw, pupil)
    f.make_referral(f.make_student(), s.provider, s.lead, status="submitted")


def test_board_query_count_does_not_grow_with_placements(app, school, auth):
    app.config["FROZEN_NOW"] = NOW.isoformat()
    client = auth.as_user(school.head)
    _busy_placements(school, 3)
    client.get("/oversight/compliance")  # warm up (first request loads the checklist version, etc.)
    with count_queries() as few:
        page = client.get("/oversight/compliance")
    assert page.status_code == 200
    _busy_placements(school, 6)
    with count_queries() as many:
        page = client.get("/oversight/compliance")
    assert page.status_code == 200
    assert many["n"] == few["n"] < 60, (few["n"], many["n"])


def test_recording_who_was_told(app, school, auth):
    app.config["FROZEN_NOW"] = NOW.isoformat()
    placement = place(school, la_told_on=None, parents_told_on=None)
    client = auth.as_user(school.lead)
    assert client.get(f"/placements/{placement.id}/records").status_code == 200
    refused = client.post(
        f"/placements/{placement.id}/records",
        data={
            "la_told_on": ["20", "11", "2026"],
            "parents_told_on": ["31", "2", "2026"],
            "parents_told_how": "letter",
            "suspensions_during": "two",
        },
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Select how the Local Authority were told" in body
    assert "must be a real date" in body and "whole number" in body
    assert 'value="letter" checked' in body.replace("\n", " ") or "letter" in body
    saved = client.post(
        f"/placements/{placement.id}/records",
        data={
            "la_told_on": ["20", "11", "2026"],
            "la_told_how": "portal",
            "parents_told_on": ["18", "11", "2026"],
            "parents_told_how": "meeting",
            "suspensions_during": "0",
            "destination": "",
        },
    )
    assert saved.status_code in (302, 303)
    db.session.refresh(placement)
    assert (placement.la_told_on, placement.la_told_how, placement.parents_told_how, placement.suspensions_during) == (
        date(2026, 11, 20),
        "portal",
        "meeting",
        0,
    )
    page = client.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert "Local Authority told" in page and "Friday 20 November 2026" in page
    future = client.post(
        f"/placements/{placement.id}/records", data={"la_told_on": ["1", "1", "2099"], "la_told_how": "email"}
    )
    assert future.status_code == 422
    portal = client.post(
        f"/placements/{placement.id}/records",
        data={"parents_told_on": ["18", "11", "2026"], "parents_told_how": "portal"},
    )  # parents have no LA form
    assert portal.status_code == 422 and "Select how the parents were told" in portal.get_data(as_text=True)


def test_the_approval_page_flags_the_registration_threshold(app, school, auth):
    app.config["FROZEN_NOW"] = NOW.isoformat()
    referral = f.make_referral(f.make_student(ehcp=False), school.provider, school.lead, status="submitted")
    client = auth.as_user(school.head)
    assert "registration-threshold" not in client.get(f"/referrals/{referral.id}/approve").get_data(as_text=True)
    referral.student.ehcp = True
    for session in referral.sessions:
        session.start_time, session.end_time = time(8), time(17)  # two days of 9 hours: 18 hours, full time
    db.session.commit()
    page = client.get(f"/referrals/{referral.id}/approve").get_data(as_text=True)
    assert "registration-threshold" in page and "a pupil with an EHCP or who is looked after" in page
    school.provider.registration_type = "independent_school"
    db.session.commit()
    assert "registration-threshold" not in client.get(f"/referrals/{referral.id}/approve").get_data(as_text=True)
