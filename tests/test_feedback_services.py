"""Weekly feedback, termly reports and reminders: what is due, versioned corrections, idempotence."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.feedback import services
from ap_forms.feedback.models import DRAFT, SUBMITTED, TERMLY, WEEKLY, FeedbackReminder, WeeklyFeedback
from ap_forms.feedback.reminders import send_reminders
from tests import factories as f

MONDAY = date(2026, 11, 16)


def _submit(placement, week, by, engagement=4, today=date(2026, 11, 28)):
    return services.save_weekly(
        placement, week, {"engagement": engagement, "behaviour": "Calm"}, by=by, submit=True, today=today
    )


def _weekly(items, placement):
    return {i.period_start: i for i in items if i.kind == WEEKLY and i.placement.id == placement.id}


def test_weekly_feedback_due_by_the_following_monday_and_overdue_after(world):
    kw = world.users["kw_a"]
    items = _weekly(services.due_items(kw, date(2026, 11, 28)), world.placement_x)
    # Eight weeks back from 28 November: from Monday 28 September; half-term week (26 October) has no school.
    assert date(2026, 10, 26) not in items
    assert items[date(2026, 11, 23)].due_by == date(2026, 11, 30)
    assert not items[date(2026, 11, 23)].overdue
    assert items[date(2026, 11, 16)].overdue
    _submit(world.placement_x, date(2026, 11, 16), kw)
    items = _weekly(services.due_items(kw, date(2026, 11, 28)), world.placement_x)
    assert date(2026, 11, 16) not in items
    # Scoping: provider B's key worker sees only provider B's placement.
    assert {i.placement.id for i in services.due_items(world.users["kw_b"], date(2026, 11, 28))} == {
        world.placement_y.id
    }


def test_placement_starting_and_ending_mid_term(world):
    kw = world.users["kw_a"]
    late = f.make_placement(world.pupil_y, world.provider_a, kw, start_date=date(2026, 11, 19))
    items = _weekly(services.due_items(kw, date(2026, 11, 28)), late)
    assert sorted(items) == [date(2026, 11, 16), date(2026, 11, 23)]  # from the week it started (a Thursday)
    late.status, late.ended_on = "ended", date(2026, 11, 20)
    db.session.commit()
    school = world.users["send_lead"]
    items = _weekly(services.due_items(school, date(2026, 11, 28)), late)
    assert sorted(items) == [date(2026, 11, 16)]  # nothing after the week it ended
    # The key worker's access ended with the placement: only its final termly report is left to them.
    assert _weekly(services.due_items(kw, date(2026, 11, 28)), late) == {}


def test_termly_report_due_within_two_weeks_of_term_end(world):
    kw = world.users["kw_a"]

    def termly(today, placement=world.placement_x):
        return [i for i in services.due_items(kw, today) if i.kind == TERMLY and i.placement.id == placement.id]

    assert termly(date(2026, 12, 18)) == []  # the term has not ended yet
    [item] = termly(date(2026, 12, 21))
    assert item.term.name == "Autumn" and item.due_by == date(2027, 1, 1) and not item.overdue
    [item] = termly(date(2027, 1, 5))
    assert item.overdue
    # A placement that started in the spring term needs no autumn report; one that started mid-autumn does.
    spring = f.make_placement(world.pupil_y, world.provider_a, kw, start_date=date(2027, 1, 11))
    assert termly(date(2027, 1, 5), spring) == []
    mid = f.make_placement(world.pupil_y, world.provider_a, kw, start_date=date(2026, 12, 14))
    assert len(termly(date(2027, 1, 5), mid)) == 1
    term = item.term
    assert services.report_period(mid, term) == (date(2026, 12, 14), date(2026, 12, 18))
    with pytest.raises(services.FeedbackError):
        services.save_report(mid, term, {}, by=kw, submit=True, today=date(2027, 1, 5))  # no recommendation
    services.save_report(
        world.placement_x,
        term,
        {"recommendation": "continue", "strengths": "Kind"},
        by=kw,
        submit=True,
        today=date(2027, 1, 5),
    )
    assert termly(date(2027, 1, 5)) == []


def test_submitted_feedback_is_kept_and_corrections_make_a_new_version(world):
    kw = world.users["kw_a"]
    draft = services.save_weekly(
        world.placement_x,
        MONDAY,
        {"engagement": "2", "progress": [{"rating": "some", "comment": "Came twice"}]},
        by=kw,
        today=date(2026, 11, 28),
    )
    assert draft.status == DRAFT and draft.progress[0]["objective"] == "Attend 90% of sessions"
    with pytest.raises(services.FeedbackError):
        services.start_correction(world.placement_x, MONDAY, "typo", by=kw)  # a draft is edited, not corrected
    first = _submit(world.placement_x, MONDAY, kw, engagement=2)
    with pytest.raises(services.FeedbackError):
        services.save_weekly(world.placement_x, MONDAY, {"engagement": 5}, by=kw, today=date(2026, 11, 28))
    correction = services.start_correction(world.placement_x, MONDAY, "Engagement was better", by=kw)
    assert correction.version == 2 and correction.status == DRAFT and correction.engagement == 2
    services.save_weekly(world.placement_x, MONDAY, {"engagement": 3}, by=kw, submit=True, today=date(2026, 11, 28))
    versions = services.versions_of(world.placement_x, MONDAY)
    assert [(v.version, v.status, v.engagement) for v in versions] == [(2, SUBMITTED, 3), (1, SUBMITTED, 2)]
    assert db.session.get(WeeklyFeedback, first.id).engagement == 2
    latest = services.submitted_feedback([world.placement_x.id])
    assert [(f.week_start, f.version) for f in latest] == [(date(2026, 11, 2), 1), (MONDAY, 2)]


def test_feedback_rules(world):
    kw = world.users["kw_a"]
    for week, message in [
        (date(2026, 11, 17), "Monday"),
        (date(2026, 11, 30), "not started"),
        (date(2026, 8, 31), "not running"),
    ]:
        with pytest.raises(services.FeedbackError, match=message):
            services.save_weekly(world.placement_x, week, {}, by=kw, today=date(2026, 11, 28))
    with pytest.raises(services.FeedbackError, match="engaged"):
        services.save_weekly(world.placement_x, MONDAY, {}, by=kw, submit=True, today=date(2026, 11, 28))


def test_reminders_are_sent_once(app, world, smtp_server):
    today = date(2026, 11, 28)
    overdue = [i for i in services.due_items(world.users["headteacher"], today) if i.overdue]
    assert overdue
    first = send_reminders(today)
    assert first.sent == len(overdue) and first.failures == []
    assert len(smtp_server.messages) == len(overdue)
    message = smtp_server.messages[0]
    assert message["To"] in (world.users["kw_a"].email, world.users["kw_b"].email)
    assert world.pupil_x.first_name not in message.get_content()  # emails name no pupil
    second = send_reminders(today)
    assert second.sent == 0 and second.already_sent == len(overdue)
    assert len(smtp_server.messages) == len(overdue)
    assert db.session.scalars(select(FeedbackReminder)).all().__len__() == len(overdue)


def test_reminder_not_recorded_when_mail_fails(app, world):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    run = send_reminders(date(2026, 11, 28))
    assert run.sent == 0 and run.failures
    assert db.session.scalars(select(FeedbackReminder)).all() == []


def test_send_reminders_command(app, world, smtp_server, runner):
    result = runner.invoke(args=["send-reminders", "--today", "2026-11-28"])
    assert result.exit_code == 0, result.output
    assert "Sent" in result.output and smtp_server.messages
    again = runner.invoke(args=["send-reminders", "--today", "2026-11-28"])
    assert "Sent 0 reminder(s)" in again.output
    bad = runner.invoke(args=["send-reminders", "--today", "yesterday"])
    assert bad.exit_code != 0


def test_engagement_chart_and_latest_ratings(world):
    kw = world.users["kw_a"]
    services.save_weekly(
        world.placement_x,
        date(2026, 11, 9),
        {"engagement": 2, "progress": [{"rating": "some"}]},
        by=kw,
        submit=True,
        today=date(2026, 11, 28),
    )
    services.save_weekly(
        world.placement_x,
        MONDAY,
        {"engagement": 5, "progress": [{"rating": "good", "comment": "Every day"}]},
        by=kw,
        submit=True,
        today=date(2026, 11, 28),
    )
    feedback = services.submitted_feedback([world.placement_x.id])
    chart = services.engagement_chart(feedback)
    assert [p["score"] for p in chart["points"]] == [4, 2, 5]  # the world's week of 2 November first
    assert chart["points"][2]["y"] < chart["points"][1]["y"]  # higher engagement is higher up
    ratings = services.latest_ratings(world.placement_x, feedback)
    assert (ratings[0].rating, ratings[0].week_start) == ("good", MONDAY)
    assert ratings[1].rating == ""
