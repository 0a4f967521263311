"""Quality-assurance visits: the three-a-year count and pace, the versioned AP Checklist, pupils'
progress entries, sign-off, and action tracking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app

from ap_forms.checklists.services import ItemDraft, current_version, publish_version
from ap_forms.extensions import db
from ap_forms.placements.models import ENDED, PLANNED
from ap_forms.quality import services
from ap_forms.quality.models import CHECKLIST_KIND, DRAFT, SIGNED_OFF
from ap_forms.quality.services import (
    BEHIND,
    COMPLETE,
    DUE,
    MISSED,
    ON_TRACK,
    VISIT_PLANNED,
    QualityError,
    TermWindow,
    pace_state,
)
from tests import factories as f

TERMS_2026 = [
    TermWindow("Autumn", date(2026, 9, 2), date(2026, 12, 18)),
    TermWindow("Spring", date(2027, 1, 4), date(2027, 3, 25)),
    TermWindow("Summer", date(2027, 4, 12), date(2027, 7, 21)),
]


# --- The pace rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "planned", "today", "state"),
    [
        (0, [], date(2026, 9, 20), DUE),  # plenty of the Autumn term left
        (0, [], date(2026, 11, 28), BEHIND),  # the Autumn term ends within 28 days, nothing planned
        (0, [date(2026, 12, 10)], date(2026, 11, 28), VISIT_PLANNED),
        (0, [date(2027, 1, 12)], date(2026, 11, 28), BEHIND),  # planned, but not this term
        (1, [], date(2026, 11, 28), ON_TRACK),
        (0, [], date(2027, 1, 10), BEHIND),  # the Autumn term ended without a visit
        (1, [], date(2026, 12, 19), DUE),  # day after the Autumn term: Spring's visit is due
        (1, [], date(2027, 3, 1), BEHIND),
        (2, [], date(2027, 3, 1), ON_TRACK),
        (1, [date(2027, 3, 10)], date(2027, 3, 1), VISIT_PLANNED),
        (2, [], date(2027, 7, 22), BEHIND),  # summer holiday: the third visit was missed
        (3, [], date(2026, 10, 1), COMPLETE),
    ],
)
def test_pace_state(done, planned, today, state):
    assert pace_state(done, planned, TERMS_2026, today, 2026)[0] == state


def test_pace_message_says_what_to_do():
    state, message = pace_state(0, [], TERMS_2026, date(2026, 11, 28), 2026)
    assert message == "No visit done or planned this term, and the Autumn term ends on 18 December."
    state, message = pace_state(0, [], TERMS_2026, date(2027, 1, 10), 2026)
    assert message == "0 visits done; 1 should have been done by the end of the Autumn term (18 December)."


def test_a_past_year_is_complete_or_missed():
    assert pace_state(2, [], TERMS_2026, date(2027, 9, 5), 2026)[0] == MISSED
    assert pace_state(3, [], TERMS_2026, date(2027, 9, 5), 2026)[0] == COMPLETE


def test_terms_come_from_the_school_calendar_or_default_to_thirds(app):
    assert [t.end for t in services.term_windows(2030)] == [date(2030, 12, 31), date(2031, 3, 31), date(2031, 8, 31)]
    f.make_school_year(2026)
    assert services.term_windows(2026) == TERMS_2026


# --- Counting visits in a school year ------------------------------------------------------


@pytest.fixture
def setting(app):
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"  # visits are planned in this school year
    provider = f.make_provider(name="Meadow")
    lead = f.make_user("send_lead")
    kw = f.make_user("key_worker", provider_id=provider.id)
    pupil = f.make_student(first_name="Ava")
    placement = f.make_placement(pupil, provider, kw, start_date=date(2025, 9, 8))
    f.make_school_year(2026)
    return provider, lead, kw, pupil, placement


def _row(rows, provider):
    return next(r for r in rows if r.provider.id == provider.id)


def test_visits_count_in_the_school_year_of_their_date(setting):
    provider, lead, *_ = setting
    for day in (date(2026, 8, 31), date(2026, 9, 1), date(2027, 8, 31), date(2027, 9, 1)):
        current_app.config["FROZEN_NOW"] = f"{day.isoformat()}T10:00"  # recorded on the day
        f.record_visit(provider, lead, day)
    this_year = _row(services.visit_pace(2026, today=date(2027, 9, 2)), provider)
    assert [v.visit_date for v in this_year.done] == [date(2026, 9, 1), date(2027, 8, 31)]
    last_year = _row(services.visit_pace(2025, today=date(2027, 9, 2)), provider)
    assert [v.visit_date for v in last_year.done] == [date(2026, 8, 31)]
    assert last_year.state == MISSED


def test_three_recorded_visits_complete_the_year_and_cancelled_or_unrecorded_ones_do_not_count(setting):
    provider, lead, *_ = setting
    today = date(2027, 2, 1)
    f.record_visit(provider, lead, date(2026, 10, 6))  # a draft counts: the visit took place
    signed = f.record_visit(provider, lead, date(2026, 12, 2))
    f.complete_visit(signed, lead)
    services.cancel_visit(f.plan_visit(provider, lead, date(2027, 1, 20)), actor=lead)
    f.plan_visit(provider, lead, date(2027, 1, 25))  # its day passed, never recorded
    f.plan_visit(provider, lead, date(2027, 2, 10))
    row = services.provider_pace(provider, today=today)
    assert len(row.done) == 2
    assert [v.visit_date for v in row.planned] == [date(2027, 2, 10)]
    assert [v.visit_date for v in row.not_recorded] == [date(2027, 1, 25)]
    assert row.state == ON_TRACK  # two done by the Spring term's end
    f.record_visit(provider, lead, date(2027, 1, 28))
    assert services.provider_pace(provider, today=today).state == COMPLETE


def test_behind_pace_providers_come_first_and_unused_providers_are_not_counted(setting):
    provider, lead, *_ = setting
    visited = f.make_provider(name="Visited")
    f.make_placement(f.make_student(), visited, start_date=date(2026, 9, 7))
    f.record_visit(visited, lead, date(2026, 10, 1))
    unused = f.make_provider(name="Not used")
    old = f.make_provider(name="Used last year")
    f.make_placement(f.make_student(), old, start_date=date(2025, 9, 7), status=ENDED, ended_on=date(2026, 7, 1))
    rows = services.visit_pace(2026, today=date(2026, 11, 28))
    assert [(r.provider.name, r.state) for r in rows] == [("Meadow", BEHIND), ("Visited", ON_TRACK)]
    assert unused.id not in {r.provider.id for r in rows}
    assert _row(services.visit_pace(2025, today=date(2026, 11, 28)), old).state == MISSED


def test_a_planned_placement_makes_a_provider_in_use_this_year(setting):
    new = f.make_provider(name="Starting soon")
    f.make_placement(f.make_student(), new, start_date=date(2027, 1, 11), status=PLANNED)
    assert new.id in services.providers_in_use(2026, today=date(2026, 11, 28))


def test_pace_query_count_does_not_grow_with_providers_or_visits(setting):
    from tests.test_providers_http import count_queries

    provider, lead, *_ = setting
    f.record_visit(provider, lead, date(2026, 10, 1))
    with count_queries() as few:
        services.visit_pace(2026, today=date(2026, 11, 28))
    for n in range(5):
        other = f.make_provider(name=f"Extra {n}")
        f.make_placement(f.make_student(), other, start_date=date(2026, 9, 7))
        f.record_visit(other, lead, date(2026, 10, 2))
        f.plan_visit(other, [lead, f.make_user("staff")], date(2026, 12, 1))
    db.session.expire_all()
    with count_queries() as many:
        services.visit_pace(2026, today=date(2026, 11, 28))
    assert many["n"] == few["n"]


# --- Planning ------------------------------------------------------------------------------


def test_planning_needs_school_staff_going(setting):
    provider, lead, kw, *_ = setting
    with pytest.raises(QualityError, match="Choose who is going"):
        services.plan_visit(provider, visit_date=date(2026, 12, 1), staff_ids=[], actor=lead)
    with pytest.raises(QualityError, match="school's staff"):
        services.plan_visit(provider, visit_date=date(2026, 12, 1), staff_ids=[kw.id], actor=lead)
    staff = f.make_user("staff")
    visit = services.plan_visit(provider, visit_date=date(2026, 12, 1), staff_ids=[lead.id, staff.id], actor=lead)
    assert sorted(visit.staff_names) == sorted([lead.name, staff.name])


def test_re_planning_a_visit_adds_and_removes_visitors(app, setting):
    """Re-planning while adding a visitor used to insert the kept visitors again: IntegrityError."""
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"
    provider, lead, *_ = setting
    staff, office = f.make_user("staff"), f.make_user("office")
    visit = services.plan_visit(provider, visit_date=date(2026, 12, 1), staff_ids=[lead.id], actor=lead)
    services.update_plan(visit, visit_date=date(2026, 12, 2), staff_ids=[lead.id, staff.id], actor=lead)
    services.update_plan(visit, visit_date=date(2026, 12, 2), staff_ids=[staff.id, office.id], actor=lead)
    db.session.expire_all()
    visit = services.get_visit_or_404(visit.id)
    assert sorted(visit.staff_names) == sorted([staff.name, office.name])
    assert visit.visit_date == date(2026, 12, 2)


def test_a_visit_cannot_be_recorded_before_its_day(setting):
    provider, lead, *_ = setting
    visit = f.plan_visit(provider, lead, date(2026, 12, 10))
    with pytest.raises(QualityError, match="Record it on the day"):
        services.start_recording(visit, actor=lead, today=date(2026, 12, 9))
    services.start_recording(visit, actor=lead, today=date(2026, 12, 10))
    assert visit.status == DRAFT


# --- The AP Checklist is versioned -------------------------------------------------------


def test_a_visit_keeps_the_checklist_version_it_started_with(setting):
    provider, lead, *_ = setting
    first = f.record_visit(provider, lead, date(2026, 10, 1))
    v1 = current_version(CHECKLIST_KIND)
    assert v1.number == 1 and first.version_id == v1.id
    assert [s for s, _ in v1.sections] == [
        "Paperwork and registers",
        "Policies current",
        "Safeguarding",
        "Health and safety",
        "Session observation",
    ]
    items = [ItemDraft(i.section, i.text, i.hint) for i in v1.items]
    items[0] = ItemDraft("Paperwork and registers", "The electronic register is kept for every session")
    v2 = publish_version(CHECKLIST_KIND, items, notes="Registers are electronic now", actor=lead)

    second = f.record_visit(provider, lead, date(2026, 11, 2))
    assert second.version_id == v2.id
    db.session.expire_all()
    first = services.get_visit_or_404(first.id)
    assert first.version.number == 1
    assert first.version.items[0].text == "An attendance register is kept for every session"
    assert all(first.answer_for(i.id).answer == "met" for i in first.version.items)
    # An answer for an item of another version is refused.
    with pytest.raises(QualityError):
        services.save_answers(first, {v2.items[0].id: ("met", "")}, actor=lead)


# --- Pupils' progress ----------------------------------------------------------------------


def test_one_progress_entry_per_pupil_placed_there_on_the_day_prefilled_with_objectives(setting):
    provider, lead, kw, pupil, placement = setting
    second = f.make_placement(
        f.make_student(first_name="Ben"),
        provider,
        kw,
        start_date=date(2026, 9, 7),
        objectives="Arrive on time\nGroom a pony",
    )
    f.make_placement(f.make_student(first_name="Planned"), provider, kw, status=PLANNED)
    f.make_placement(f.make_student(first_name="Left"), provider, kw, status=ENDED, ended_on=date(2026, 10, 1))
    f.make_placement(f.make_student(first_name="Elsewhere"), f.make_provider())
    visit = f.record_visit(provider, lead, date(2026, 11, 5))
    entries = {e.student.first_name: e for e in visit.progress_entries}
    assert set(entries) == {"Ava", "Ben"}
    assert entries["Ben"].objective_list == ["Arrive on time", "Groom a pony"]
    assert entries["Ava"].objective_list == placement.objective_list

    second.objectives = "Something new"
    db.session.commit()
    db.session.expire_all()
    assert services.get_visit_or_404(visit.id).progress_entries[1].objective_list == ["Arrive on time", "Groom a pony"]


def test_progress_from_signed_off_visits_only_appears_in_the_pupils_timeline(setting):
    provider, lead, kw, pupil, _ = setting
    signed = f.complete_visit(f.record_visit(provider, lead, date(2026, 10, 1)), lead)
    f.complete_visit(f.record_visit(provider, lead, date(2026, 11, 1)), lead, sign=False)
    entries = services.progress_for_student(pupil.id)
    assert [e.visit_id for e in entries] == [signed.id]
    assert entries[0].rating_label == "Partly met" and entries[0].comment == "Good effort"


# --- Sign-off makes the visit read-only --------------------------------------------------


def test_sign_off_lists_what_is_missing_then_locks_the_record(setting):
    provider, lead, *_ = setting
    visit = f.plan_visit(provider, lead, date(2026, 11, 5))
    services.start_recording(visit, actor=lead, today=date(2026, 11, 5))
    first_item = visit.version.items[0]
    services.save_answers(visit, {first_item.id: ("not_met", "")}, actor=lead)
    problems = [message for _, message in services.sign_off_problems(visit)]
    assert "Paperwork and registers: answer 3 more items" in problems
    assert any(m.startswith("Say what was not met: item 1") for m in problems)
    assert "Say which activity you observed" in problems
    assert any(m.startswith("Record progress for Ava") for m in problems)
    assert any(m.startswith("An item is not met: add an action") for m in problems)
    assert "Choose an overall judgement" in problems
    with pytest.raises(QualityError, match="not complete"):
        services.sign_off(visit, actor=lead, today=date(2026, 11, 6))

    services.save_answers(visit, {i.id: ("met", "") for i in visit.version.items}, actor=lead)
    f.complete_visit(visit, lead, sign=False)
    services.sign_off(visit, actor=lead, today=date(2026, 11, 6))
    assert visit.status == SIGNED_OFF and visit.signed_off_on == date(2026, 11, 6)

    for attempt in (
        lambda: services.save_answers(visit, {first_item.id: ("partly", "")}, actor=lead),
        lambda: services.save_observation(visit, activity="Changed", notes="", actor=lead),
        lambda: services.save_progress(visit, {visit.progress_entries[0].id: ("met", "")}, actor=lead),
        lambda: services.save_voice(visit, pupil_voice="x", strengths="y", actor=lead),
        lambda: services.save_actions(visit, [], actor=lead),
        lambda: services.save_judgement(visit, judgement="inadequate", summary="", actor=lead),
        lambda: services.update_plan(visit, visit_date=date(2026, 11, 4), staff_ids=[lead.id], actor=lead),
        lambda: services.cancel_visit(visit, actor=lead),
        lambda: services.sign_off(visit, actor=lead),
    ):
        with pytest.raises(QualityError):
            attempt()
    db.session.expire_all()
    visit = services.get_visit_or_404(visit.id)
    assert visit.answer_for(first_item.id).answer == "met" and visit.overall_judgement == "good"


# --- Actions are tracked to completion -----------------------------------------------------


def test_overdue_means_open_and_past_its_date(setting):
    provider, lead, kw, *_ = setting
    today = date(2026, 11, 28)
    visit = f.complete_visit(
        f.record_visit(provider, lead, date(2026, 10, 1)),
        lead,
        actions=[
            ("Due yesterday", "provider", today - timedelta(days=1)),
            ("Due today", "provider", today),
            ("Done late", "school", today - timedelta(days=5)),
        ],
    )
    yesterday, due_today, done = visit.actions
    services.complete_action(done, note="Sent", actor=lead, today=today)
    assert [a.what for a in services.overdue_actions(lead, today)] == ["Due yesterday"]
    assert yesterday.is_overdue(today) and not due_today.is_overdue(today) and not done.is_overdue(today)
    assert due_today.is_overdue(today + timedelta(days=1))
    assert [a.what for a in services.tracked_actions(lead)] == ["Due yesterday", "Due today"]
    assert len(services.tracked_actions(lead, include_done=True)) == 3
    with pytest.raises(QualityError, match="already done"):
        services.complete_action(done, note="", actor=lead, today=today)


def test_actions_are_tracked_from_sign_off_and_key_workers_see_only_their_providers(setting):
    provider, lead, kw, *_ = setting
    due = date(2026, 12, 1)
    draft = f.complete_visit(
        f.record_visit(provider, lead, date(2026, 11, 1)), lead, actions=[("Draft action", "provider", due)], sign=False
    )
    signed = f.complete_visit(
        f.record_visit(provider, lead, date(2026, 10, 1)),
        lead,
        actions=[("For the provider", "provider", due), ("For the school", "school", due)],
    )
    other = f.make_provider(name="Other")
    f.complete_visit(
        f.record_visit(other, lead, date(2026, 10, 2)), lead, actions=[("For the other provider", "provider", due)]
    )
    assert "Draft action" not in {a.what for a in services.tracked_actions(lead)}
    assert {a.what for a in services.tracked_actions(lead)} == {
        "For the provider",
        "For the school",
        "For the other provider",
    }
    assert [a.what for a in services.tracked_actions(kw)] == ["For the provider"]
    other_kw = f.make_user("key_worker", provider_id=other.id)
    assert [a.what for a in services.tracked_actions(other_kw)] == ["For the other provider"]
    assert services.tracked_actions(f.make_user("office")) == []
    assert draft.actions[0].what == "Draft action" and signed.status == SIGNED_OFF


def test_key_worker_response_then_school_marks_done(setting):
    provider, lead, kw, *_ = setting
    visit = f.complete_visit(
        f.record_visit(provider, lead, date(2026, 10, 1)),
        lead,
        actions=[("Renew first aid certificate", "provider", date(2026, 11, 1))],
    )
    action = visit.actions[0]
    with pytest.raises(QualityError, match="Say what you have done"):
        services.respond_to_action(action, response="   ", actor=kw)
    services.respond_to_action(action, response="Course booked for 3 December", actor=kw)
    assert action.provider_response == "Course booked for 3 December" and action.responded_by_id == kw.id
    assert action.is_overdue(date(2026, 11, 28))
    services.complete_action(action, note="Certificate seen", actor=lead, today=date(2026, 12, 4))
    assert not action.is_overdue(date(2026, 12, 5))
    with pytest.raises(QualityError, match="already marked"):
        services.respond_to_action(action, response="More", actor=kw)


def test_draft_actions_are_replaced_and_need_who_and_when(setting):
    provider, lead, *_ = setting
    visit = f.record_visit(provider, lead, date(2026, 10, 1))
    drafts = [
        services.ActionDraft("First", "provider", "Ruth", date(2026, 12, 1)),
        services.ActionDraft("  ", "", "", None),
    ]
    services.save_actions(visit, drafts, actor=lead)
    assert [(a.what, a.who) for a in visit.actions] == [("First", "The provider: Ruth")]
    with pytest.raises(QualityError, match="Enter the date"):
        services.save_actions(visit, [services.ActionDraft("Second", "school", "", None)], actor=lead)
    with pytest.raises(QualityError, match="Choose who"):
        services.save_actions(visit, [services.ActionDraft("Second", "someone", "", date(2026, 12, 1))], actor=lead)
    services.save_actions(visit, [], actor=lead)
    assert visit.actions == []
