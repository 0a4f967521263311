"""Weekly feedback, progress page, termly report and Annual Review pages, as their users use them."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from ap_forms.extensions import db
from ap_forms.feedback.models import AnnualReviewContribution, FeedbackReply
from ap_forms.feedback.services import versions_of

WEEK = "2026-11-23"


# The weeks these tests open are days of the world's autumn term.
pytestmark = pytest.mark.usefixtures("autumn_day")


def _week_url(world, week=WEEK):
    return f"/placements/{world.placement_x.id}/feedback/{week}"


def test_key_worker_autosaves_saves_and_submits_then_it_is_read_only(world, auth):
    client = auth.as_user(world.users["kw_a"])
    page = client.get(_week_url(world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Designated Safeguarding Lead" in html and world.users["dsl"].name in html
    assert "Attend 90% of sessions" in html and "5 – Excellent" in html
    autosave = client.post(
        _week_url(world),
        data={"engagement": "3", "behaviour": "Settled well"},
        headers={"HX-Request": "true", "X-Autosave": "1"},
    )
    assert autosave.status_code == 200 and "Draft saved" in autosave.get_data(as_text=True)
    assert "<form" not in autosave.get_data(as_text=True)  # only the status swaps
    saved = client.post(
        _week_url(world),
        data={"engagement": "4", "behaviour": "Settled well", "progress-0-rating": "good", "save": "Save draft"},
    )
    assert saved.status_code == 303
    [draft] = versions_of(world.placement_x, date(2026, 11, 23))
    assert (draft.status, draft.engagement, draft.progress[0]["rating"]) == ("draft", 4, "good")
    assert "Settled well" in client.get(_week_url(world)).get_data(as_text=True)  # nothing typed is lost
    submitted = client.post(
        _week_url(world), data={"engagement": "4", "behaviour": "Settled well", "submit": "Submit feedback"}
    )
    assert submitted.status_code == 303
    after = client.get(_week_url(world)).get_data(as_text=True)
    assert "can no longer be changed" in after and 'name="behaviour"' not in after
    client.post(_week_url(world), data={"engagement": "1", "submit": "Submit feedback"})
    db.session.expire_all()
    assert [v.engagement for v in versions_of(world.placement_x, date(2026, 11, 23))] == [4]


def test_correction_keeps_the_submitted_version(world, auth):
    client = auth.as_user(world.users["kw_a"])
    url = _week_url(world, "2026-11-02")
    assert client.post(url + "/correct", data={"reason": ""}).status_code == 303
    assert len(versions_of(world.placement_x, date(2026, 11, 2))) == 1  # a reason is needed
    client.post(url + "/correct", data={"reason": "Wrong engagement score"})
    page = client.get(url).get_data(as_text=True)
    assert "This is a correction (version 2)" in page and "Wrong engagement score" in page
    client.post(url, data={"engagement": "5", "submit": "Submit feedback"})
    db.session.expire_all()
    assert [(v.version, v.engagement) for v in versions_of(world.placement_x, date(2026, 11, 2))] == [(2, 5), (1, 4)]


def test_bad_feedback_input_is_a_field_error(world, auth):
    client = auth.as_user(world.users["kw_a"])
    response = client.post(_week_url(world), data={"engagement": "9", "behaviour": "Kept", "submit": "Submit"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose how engaged the pupil was" in html and "Kept" in html
    assert client.post(_week_url(world), data={"submit": "Submit"}).status_code == 422  # engagement needed
    for week in ("2026-11-24", "2026-13-01", "nonsense", "2029-01-01"):
        assert client.get(_week_url(world, week)).status_code == 404


def test_scoping(world, auth):
    client = auth.as_user(world.users["kw_b"])
    assert client.get(_week_url(world)).status_code == 404
    assert client.get("/feedback").status_code == 200
    assert world.pupil_x.full_name not in client.get("/feedback").get_data(as_text=True)
    parent = auth.as_user(world.users["parent_x"])
    assert parent.get(f"/pupils/{world.pupil_x.id}/progress").status_code == 403


def test_send_lead_reads_progress_and_replies_and_key_worker_sees_it(world, auth):
    client = auth.as_user(world.users["send_lead"])
    page = client.get(f"/pupils/{world.pupil_x.id}/progress")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "Engagement by week" in html and "Finished the bird box" in html
    assert "Good progress" in html  # the latest rating of objective 1
    response = client.post(f"/feedback/{world.feedback_x.id}/reply", data={"comment": "Brilliant, thank you"})
    assert response.status_code == 303
    assert db.session.query(FeedbackReply).count() == 1
    assert "Acknowledged by" in client.get(f"/pupils/{world.pupil_x.id}/progress").get_data(as_text=True)
    kw = auth.as_user(world.users["kw_a"])
    assert "Brilliant, thank you" in kw.get(_week_url(world, "2026-11-02")).get_data(as_text=True)


def test_due_lists_on_home_pages(world, auth):
    kw = auth.as_user(world.users["kw_a"]).get("/").get_data(as_text=True)
    assert "Feedback and reports due" in kw and "Overdue" in kw
    school = auth.as_user(world.users["headteacher"]).get("/").get_data(as_text=True)
    assert "Overdue feedback from providers" in school and world.pupil_x.full_name in school


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def _rasterise(data: bytes, name: str, tmp_path: Path) -> None:
    """Page 1 as a PNG, for a person to look at (SCREENSHOT_DIR keeps a copy)."""
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),  # noqa: S603, S607
            str(tmp_path / name),
        ],
        check=True,
    )
    [png] = list(tmp_path.glob(f"{name}*.png"))
    assert png.stat().st_size > 5000
    if os.environ.get("SCREENSHOT_DIR"):
        Path(os.environ["SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(os.environ["SCREENSHOT_DIR"]) / f"{name}-pdf-page1.png")


def test_termly_report_submitted_and_rendered_to_pdf(app, world, auth, tmp_path):
    from tests import factories as f

    # The report counts the term's sessions up to today: pin the day it counts to.
    app.config["FROZEN_NOW"] = "2026-11-26T10:30"

    f.make_mark(world.placement_x, date(2026, 11, 2), by=world.users["kw_a"])
    f.make_mark(world.placement_x, date(2026, 11, 4), status="absent", by=world.users["kw_a"])
    client = auth.as_user(world.users["kw_a"])
    autumn = world.school_year.term("Autumn")
    url = f"/placements/{world.placement_x.id}/terms/{autumn.id}/report"
    page = client.get(url).get_data(as_text=True)
    assert "Attendance this term (from the register)" in page and "Patient with the animals" in page
    response = client.post(
        url,
        data={
            "engagement_summary": "Mostly engaged",
            "progress-0-rating": "good",
            "progress-1-rating": "some",
            "accreditation": "AQA unit award",
            "strengths": "Patient with the animals",
            "next_steps": "Level 1 course",
            "recommendation": "prepare_return",
            "submit": "Submit report",
        },
    )
    assert response.status_code == 303
    assert "Download the report" in client.get(url).get_data(as_text=True)
    pdf = auth.as_user(world.users["send_lead"]).get(url + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(_pdf_text(pdf.data).split())
    for expected in (
        world.pupil_x.full_name,
        "Provider A",
        "Autumn term",
        "Prepare to return to school",
        "AQA unit award",
        "Attend 90% of sessions",
        "Good progress",
        "Page 1 of",
    ):
        assert expected in text, expected
    # One session attended of the 22 expected so far (not-reported sessions count as not attended).
    assert "4.5% of sessions attended: 1 of 22" in text
    _rasterise(pdf.data, "termly-report", tmp_path)


def test_annual_review_contribution_and_pdf(world, auth, tmp_path):
    kw = auth.as_user(world.users["kw_a"])
    url = f"/placements/{world.placement_x.id}/annual-review"
    assert kw.post(url, data={"progress_views": ""}).status_code == 422
    response = kw.post(
        url,
        data={
            "review_date": ["31", "2", "2027"],
            "progress_views": "Real progress on outcome 2",
            "recommendations": "Keep going",
        },
    )
    assert response.status_code == 422  # 31 February is not a date
    kw.post(url, data={"progress_views": "Real progress on outcome 2", "recommendations": "Keep two days a week"})
    assert db.session.query(AnnualReviewContribution).count() == 1
    assert "Real progress on outcome 2" in kw.get(url).get_data(as_text=True)
    lead = auth.as_user(world.users["send_lead"])
    pdf = lead.get(f"/pupils/{world.pupil_x.id}/annual-review.pdf")
    assert pdf.status_code == 200
    text = _pdf_text(pdf.data)
    assert "Real progress on outcome 2" in text and "Provider A" in text and world.pupil_x.full_name in text
    _rasterise(pdf.data, "annual-review", tmp_path)


def test_a_refused_reply_shows_the_error_at_the_field_and_keeps_the_text(world, auth):
    client = auth.as_user(world.users["send_lead"])
    typed = "Thank you for this week. " * 420  # over 10,000 characters
    response = client.post(f"/feedback/{world.feedback_x.id}/reply", data={"comment": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert db.session.query(FeedbackReply).count() == 0
    assert typed.strip() in html  # kept in the textarea
    message = "Reply to the key worker must be 5,000 characters or fewer"
    assert f'href="#comment-{world.feedback_x.id}"' in html and message in html  # summary links to the field
    assert f'id="comment-{world.feedback_x.id}-error"' in html  # the error sits at the field
    assert html.count(message) == 2 and "<title>Error:" in html


def test_key_worker_lists_submitted_weeks_with_the_schools_reply(world, auth):
    lead = auth.as_user(world.users["send_lead"])
    lead.post(f"/feedback/{world.feedback_x.id}/reply", data={"comment": "Brilliant, thank you"})
    kw = auth.as_user(world.users["kw_a"])
    html = kw.get("/feedback").get_data(as_text=True)
    assert "Submitted weekly feedback" in html
    assert f'href="{_week_url(world, "2026-11-02")}"' in html
    assert "School replied" in html and "Brilliant, thank you" in html
    other = auth.as_user(world.users["kw_b"]).get("/feedback").get_data(as_text=True)
    assert _week_url(world, "2026-11-02") not in other and "Brilliant, thank you" not in other


def test_overdue_feedback_on_the_school_overview_is_one_line_per_provider(app, world, auth):
    """Many overdue weeks make one row per provider with counts and one link, not a link per week."""
    app.config["FROZEN_NOW"] = "2027-01-25T10:30"  # weeks of feedback overdue by now
    html = auth.as_user(world.users["headteacher"]).get("/").get_data(as_text=True)
    section = html.split('id="feedback-overdue"', 1)[1].split("Providers needing attention", 1)[0]
    assert "/feedback/20" not in section  # no link to individual weeks
    link = f'href="/feedback?provider={world.provider_a.id}"'
    assert section.count(link) == 1 and "weekly feedback" in section
    assert world.pupil_x.full_name in section
    listing = auth.as_user(world.users["headteacher"]).get(f"/feedback?provider={world.provider_a.id}")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "Showing what is due from Provider A only" in text
    assert world.pupil_x.full_name in text
    assert auth.as_user(world.users["headteacher"]).get("/feedback?provider=99999999999999999999999").status_code == 200
