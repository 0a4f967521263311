"""The rows of an agreed timetable, as a form: proposed in the referral, changed on the placement page.

One set of checks for both (day, times, activity, no overlaps on a day); the referral's section and
the placement's change form build on `TimetableRows`.
"""

from __future__ import annotations

import re
from datetime import time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import FieldList, Form, FormField, SelectField, StringField

from ap_forms.placements.models import WEEKDAY_CHOICES
from ap_forms.web.form_fields import Length, strip


def parse_time(text: str | None) -> time | None:
    """'09:30', '9.30' or '0930' as a time; None when it is not one."""
    match = re.fullmatch(r"(\d{1,2})[:.]?(\d{2})", (text or "").strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    return time(hour, minute) if hour < 24 and minute < 60 else None


def row_filled(row: dict) -> bool:
    """A row of a repeated-rows form with anything typed in it."""
    return any(str(v or "").strip() for v in row.values())


def add_error(field, message: str) -> None:
    field.errors = [*field.errors, message]


class SessionRow(Form):
    weekday = SelectField("Day", widget=GovSelect(), choices=[("", "Choose")] + WEEKDAY_CHOICES, validate_choice=False)
    start_time = StringField("Start time", widget=GovTextInput(), filters=[strip], validators=[Length(max=8)])
    end_time = StringField("End time", widget=GovTextInput(), filters=[strip], validators=[Length(max=8)])
    activity = StringField("Activity", widget=GovTextInput(), filters=[strip], validators=[Length(max=160)])
    site_address = StringField(
        "Site address (optional)", widget=GovTextInput(), filters=[strip], validators=[Length(max=500)]
    )


class TimetableRows(FlaskForm):
    MAX_ROWS = 10
    sessions = FieldList(FormField(SessionRow), max_entries=MAX_ROWS)

    def session_values(self) -> list[dict]:
        rows = [e.data for e in self.sessions if row_filled(e.data)]
        return [
            {
                "weekday": int(r["weekday"]),
                "start_time": parse_time(r["start_time"]),
                "end_time": parse_time(r["end_time"]),
                "activity": r["activity"],
                "site_address": r["site_address"] or "",
            }
            for r in rows
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        rows = [(n, e) for n, e in enumerate(self.sessions, start=1) if row_filled(e.data)]
        booked: list[tuple[int, int, time, time]] = []
        for n, entry in rows:
            day_ok = entry.weekday.data in {str(d) for d, _ in WEEKDAY_CHOICES}
            start, end = parse_time(entry.start_time.data), parse_time(entry.end_time.data)
            problems = [
                (entry.weekday, not day_ok, f"Select the day of session {n}"),
                (entry.start_time, start is None, f"Enter the start time of session {n}, like 09:30"),
                (entry.end_time, end is None, f"Enter the end time of session {n}, like 12:00"),
                (entry.activity, not entry.activity.data, f"Enter the activity for session {n}"),
            ]
            for field, failed, message in problems:
                if failed:
                    add_error(field, message)
                    ok = False
            if start and end and end <= start:
                add_error(entry.end_time, f"The end time of session {n} must be after its start time")
                ok = False
            elif day_ok and start and end:
                for other, day, other_start, other_end in booked:
                    if day == int(entry.weekday.data) and start < other_end and other_start < end:
                        add_error(entry.start_time, f"Session {n} overlaps session {other} on the same day")
                        ok = False
                        break
                booked.append((n, int(entry.weekday.data), start, end))
        if not rows and len(self.sessions):
            add_error(self.sessions[0].weekday, "Enter at least one session of the proposed timetable")
            ok = False
        return ok
