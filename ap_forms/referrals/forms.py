"""The Referral Form's sections, the approval and return forms.

Each section form knows how to start from a saved referral (`initial`) and what plain values it
gives the service (`values`). Validation messages say exactly what to fix, GOV.UK style.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import FieldList, Form, FormField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, StopValidation, ValidationError

from ap_forms.placements.timetable_form import TimetableRows, add_error, row_filled
from ap_forms.referrals.models import (
    COST_BASES,
    GENDERS,
    LIKELIHOOD,
    REASONS,
    REVIEW_KINDS,
    SEVERITY,
    SOCIAL_CARE,
)
from ap_forms.web.form_fields import (
    YES_NO,
    GovDate,
    Length,
    after,
    checkboxes,
    chosen_from_list,
    not_in_future,
    number_input,
    radios,
    reference_number,
    select,
    strip,
    text_input,
)

LONG = 5000  # characters in a text box: a long paragraph, never a whole document
MAX_REVIEW_GAP = timedelta(weeks=8)  # reviews at least every half term (DfE, 2025)


def _planned_end(start: str, message: str, hint: str = ""):
    """The placement's planned end: after the form's `start` date (`message` otherwise)."""
    return GovDate(
        "Planned end date",
        required_message="Enter the planned end date",
        description=hint,
        validators=[after(start, message)],
    )


def _first_review(start: str, hint: str):
    """The first review's date: within MAX_REVIEW_GAP of the form's `start` date (and not before it)."""

    def in_time(form, field):
        begins = form[start].data
        if field.data and begins and not begins <= field.data <= begins + MAX_REVIEW_GAP:
            raise ValidationError(
                "The first review must be within 8 weeks of the start date: placements are "
                "reviewed at least every half term"
            )

    return GovDate(
        "First review date",
        required_message="Enter the date of the first review",
        description=hint,
        validators=[in_time],
    )


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _text(
    label: str,
    message: str | None = None,
    *,
    hint: str = "",
    optional: bool = False,
    area: bool = True,
    max_length: int = LONG,
):
    """A text box (or one-line input) with a plain-English 'required' message."""
    # No Optional() for optional boxes: it would stop the form's own checks (like "required when yes").
    validators = [] if optional else [InputRequired(message)]
    validators.append(Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"))
    field = TextAreaField if area else StringField
    return field(
        label,
        widget=GovTextArea() if area else GovTextInput(),
        description=hint,
        filters=[strip],
        validators=validators,
    )


def parse_whole_number(text: str | None, low: int, high: int) -> int | None:
    text = (text or "").strip().rstrip("%").strip()
    if not re.fullmatch(r"\d{1,4}", text):
        return None
    number = int(text)
    return number if low <= number <= high else None


class SectionForm(FlaskForm):
    """A section of the Referral Form: `initial(referral)` to fill it, `values()` to save it."""

    COLUMNS: tuple[str, ...] = ()

    @classmethod
    def initial(cls, referral) -> dict:
        return {name: getattr(referral, name) for name in cls.COLUMNS}

    def values(self) -> dict:
        return {name: getattr(self, name).data or "" for name in self.COLUMNS}


class PupilForm(SectionForm):
    COLUMNS = ("uln", "gender", "home_language")
    uln = reference_number(
        "Unique Learner Number (ULN, optional)",
        "10 digits. Leave blank if the pupil does not have one yet.",
        pattern=r"^\d{10}$",
        message="Enter the ULN as 10 digits, or leave it blank if the pupil does not have one",
    )
    gender = radios("Gender", GENDERS, required="Select the pupil's gender")
    home_language = _text("Home language", "Enter the pupil's home language, like English", area=False, max_length=60)


class FamilyForm(SectionForm):
    parents_carers = _text(
        "Parents and carers",
        "Enter the parents or carers and how to contact them",
        hint="Names, relationship to the pupil, phone and email. Who to call first.",
    )
    has_restrictions = radios(
        "Are there any contact or legal restrictions?",
        YES_NO,
        required="Select yes if there are contact or legal restrictions",
        hint="For example, a court order or a parent who must not collect the pupil.",
    )
    restrictions = _text("Details of the restrictions", hint="Only if there are any.", optional=True)

    @classmethod
    def initial(cls, referral) -> dict:
        return {
            "parents_carers": referral.parents_carers,
            "restrictions": referral.restrictions,
            "has_restrictions": _yes_no(referral.has_restrictions),
        }

    def values(self) -> dict:
        has = self.has_restrictions.data == "yes"
        return {
            "parents_carers": self.parents_carers.data,
            "has_restrictions": has,
            "restrictions": (self.restrictions.data or "") if has else "",
        }

    def validate_restrictions(self, field):
        if self.has_restrictions.data == "yes" and not field.data:
            raise StopValidation("Describe the contact or legal restrictions")


class HealthForm(SectionForm):
    COLUMNS = ("medical_needs", "medication")
    medical_needs = _text(
        "Medical needs",
        "Enter the pupil's medical needs, or write None",
        hint="From the pupil record. Check it is up to date. Write None if there are none.",
    )
    medication = _text(
        "Medication",
        "Enter any medication the pupil takes, or write None",
        hint="What, when, who gives it and where it is kept. Write None if there is none.",
    )


class SendForm(SectionForm):
    COLUMNS = ("send_needs", "diagnoses", "ehcp_outcomes")
    send_needs = _text(
        "SEND needs",
        "Enter the pupil's special educational needs",
        hint="From the pupil record. Check it is up to date.",
    )
    diagnoses = _text("Diagnoses", "Enter the pupil's diagnoses, or write None")
    ehcp_outcomes = _text(
        "EHCP outcomes this placement supports",
        "Enter the EHCP outcomes the placement supports, or write No EHCP",
        hint="Copy the outcomes from Section E of the "
        "Education, Health and Care Plan. If the pupil has no EHCP, write No EHCP.",
    )


class HistoryForm(SectionForm):
    attendance_percent = number_input(
        "Attendance before the placement (%)",
        "This school year so far, as a whole number. It is the baseline for judging the placement.",
        required="Enter the pupil's attendance as a whole number from 0 to 100",
    )
    suspensions_last_year = number_input(
        "Suspensions in the last 12 months", required="Enter the number of suspensions in the last 12 months, or 0"
    )
    exclusions_detail = _text("Details of suspensions or exclusions (optional)", optional=True)
    social_care_status = radios(
        "Social care involvement", SOCIAL_CARE, required="Select the pupil's social care involvement"
    )
    looked_after = radios(
        "Is the pupil looked after by the local authority?", YES_NO, required="Select yes if the pupil is looked after"
    )
    social_care_details = _text(
        "Social worker and plan",
        optional=True,
        hint="Needed when there is social care involvement or the pupil is looked "
        "after: the social worker's name and contact, and the plan.",
    )

    @classmethod
    def initial(cls, referral) -> dict:
        def as_text(number):
            return "" if number is None else str(number)

        return {
            "attendance_percent": as_text(referral.attendance_percent),
            "suspensions_last_year": as_text(referral.suspensions_last_year),
            "exclusions_detail": referral.exclusions_detail,
            "social_care_status": referral.social_care_status or None,
            "looked_after": _yes_no(referral.looked_after),
            "social_care_details": referral.social_care_details,
        }

    def values(self) -> dict:
        return {
            "attendance_percent": parse_whole_number(self.attendance_percent.data, 0, 100),
            "suspensions_last_year": parse_whole_number(self.suspensions_last_year.data, 0, 365),
            "exclusions_detail": self.exclusions_detail.data or "",
            "social_care_status": self.social_care_status.data,
            "looked_after": self.looked_after.data == "yes",
            "social_care_details": self.social_care_details.data or "",
        }

    def validate_attendance_percent(self, field):
        if parse_whole_number(field.data, 0, 100) is None:
            raise StopValidation("Attendance must be a whole number from 0 to 100, like 64")

    def validate_suspensions_last_year(self, field):
        if parse_whole_number(field.data, 0, 365) is None:
            raise StopValidation("Suspensions must be a whole number, like 0 or 3")

    def validate_social_care_details(self, field):
        involved = self.social_care_status.data not in (None, "", "none") or self.looked_after.data == "yes"
        if involved and not field.data:
            raise StopValidation("Enter the social worker's name and contact, and the plan")


class ProfileForm(SectionForm):
    COLUMNS = ("strengths", "barriers", "past_interventions")
    strengths = _text("Strengths and interests", "Enter the pupil's strengths and interests")
    barriers = _text("Barriers to learning", "Enter the pupil's barriers to learning")
    past_interventions = _text(
        "Effective past interventions",
        "Enter the interventions that have worked",
        hint="What has worked before, in school or elsewhere, and what has not.",
    )


class ReasonsForm(SectionForm):
    reasons = checkboxes(
        "Why is alternative provision needed?",
        REASONS,
        hint="Select all that apply. These are the reasons in the school's Alternative Provision Policy.",
    )
    reason_other = _text("Other reason", hint="Only if you selected Other.", optional=True)

    @classmethod
    def initial(cls, referral) -> dict:
        return {"reasons": list(referral.reasons or []), "reason_other": referral.reason_other}

    def values(self) -> dict:
        reasons = [code for code, _ in REASONS if code in (self.reasons.data or [])]
        return {"reasons": reasons, "reason_other": (self.reason_other.data or "") if "other" in reasons else ""}

    def validate_reasons(self, field):
        known = {code for code, _ in REASONS}
        if not field.data or not set(field.data) <= known:
            raise StopValidation("Select at least one reason for alternative provision")

    def validate_reason_other(self, field):
        if "other" in (self.reasons.data or []) and not field.data:
            raise StopValidation("Describe the other reason for alternative provision")


# --- Sections with several rows -------------------------------------------------------------------


class ObjectiveRow(Form):
    objective = text_input("Objective", max_length=1000, too_long="An objective must be 1000 characters or fewer")
    measure = text_input(
        "How progress will be measured", max_length=1000, too_long="A measure must be 1000 characters or fewer"
    )


class ObjectivesForm(SectionForm):
    MAX_ROWS = 8
    objectives = FieldList(FormField(ObjectiveRow), max_entries=MAX_ROWS)
    expected_outcomes = _text(
        "Expected academic outcomes",
        "Enter the expected academic outcomes",
        hint="What the pupil should achieve academically, including any accreditation "
        "or qualifications. The provider is given these.",
    )

    @classmethod
    def initial(cls, referral) -> dict:
        return {
            "objectives": [{"objective": o.objective, "measure": o.measure} for o in referral.objectives],
            "expected_outcomes": referral.expected_outcomes,
        }

    def values(self) -> dict:
        rows = [entry.data for entry in self.objectives if row_filled(entry.data)]
        return {
            "objectives": [{"objective": r["objective"], "measure": r["measure"]} for r in rows],
            "expected_outcomes": self.expected_outcomes.data or "",
        }

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        filled = [(n, e) for n, e in enumerate(self.objectives, start=1) if row_filled(e.data)]
        for n, entry in filled:
            if not entry.objective.data:
                add_error(entry.objective, f"Enter objective {n}, or clear its measure")
                ok = False
            if not entry.measure.data:
                add_error(entry.measure, f"Enter how progress towards objective {n} will be measured")
                ok = False
        if not filled and len(self.objectives):
            add_error(self.objectives[0].objective, "Enter at least one objective for the placement")
            ok = False
        return ok


class RiskRow(Form):
    hazard = text_input("Hazard", max_length=1000)
    triggers = text_input("Triggers (optional)", max_length=1000)
    controls = text_input("Controls", max_length=2000)
    likelihood = select("Likelihood", [("", "Choose")] + [(str(v), t) for v, t in LIKELIHOOD])
    severity = select("Severity", [("", "Choose")] + [(str(v), t) for v, t in SEVERITY])


def _score(value: str | None) -> int | None:
    return int(value) if value in {"1", "2", "3", "4", "5"} else None


class RisksForm(SectionForm):
    MAX_ROWS = 8
    risks = FieldList(FormField(RiskRow), max_entries=MAX_ROWS)

    @classmethod
    def initial(cls, referral) -> dict:
        return {
            "risks": [
                {
                    "hazard": r.hazard,
                    "triggers": r.triggers,
                    "controls": r.controls,
                    "likelihood": str(r.likelihood),
                    "severity": str(r.severity),
                }
                for r in referral.risks
            ]
        }

    def values(self) -> dict:
        rows = [e.data for e in self.risks if row_filled({k: v for k, v in e.data.items()})]
        return {
            "risks": [
                {
                    "hazard": r["hazard"],
                    "triggers": r["triggers"] or "",
                    "controls": r["controls"],
                    "likelihood": _score(r["likelihood"]),
                    "severity": _score(r["severity"]),
                }
                for r in rows
            ]
        }

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        filled = [(n, e) for n, e in enumerate(self.risks, start=1) if row_filled(e.data)]
        for n, entry in filled:
            checks = [
                (entry.hazard, not entry.hazard.data, f"Enter the hazard for risk {n}"),
                (entry.controls, not entry.controls.data, f"Enter how risk {n} is controlled"),
                (entry.likelihood, _score(entry.likelihood.data) is None, f"Select the likelihood of risk {n}, 1 to 5"),
                (entry.severity, _score(entry.severity.data) is None, f"Select the severity of risk {n}, 1 to 5"),
            ]
            for field, failed, message in checks:
                if failed:
                    add_error(field, message)
                    ok = False
        if not filled and len(self.risks):
            add_error(self.risks[0].hazard, "Enter at least one hazard: what could go wrong at the placement")
            ok = False
        return ok


class TimetableForm(TimetableRows, SectionForm):
    @classmethod
    def initial(cls, referral) -> dict:
        return {
            "sessions": [
                {
                    "weekday": str(s.weekday),
                    "start_time": s.start_time.strftime("%H:%M"),
                    "end_time": s.end_time.strftime("%H:%M"),
                    "activity": s.activity,
                    "site_address": s.site_address,
                }
                for s in referral.sessions
            ]
        }

    def values(self) -> dict:
        return {"sessions": self.session_values()}


class ProviderForm(SectionForm):
    provider_id = select(
        "Proposed provider",
        hint="Only a cleared provider can be approved. You can propose one whose checks are still being done.",
        validators=[chosen_from_list("Select the proposed provider")],
    )
    proposed_start = GovDate("Proposed start date", required_message="Enter the proposed start date")
    proposed_end = _planned_end(
        "proposed_start",
        "The planned end date must be after the proposed start date",
        "How long the placement is envisaged to last.",
    )
    first_review_on = _first_review(
        "proposed_start", "Within 8 weeks of the start: placements are reviewed at least every half term."
    )

    def set_providers(self, providers, status_of) -> None:
        self.provider_id.choices = [("", "Choose a provider")] + [
            (str(p.id), f"{p.name} ({status_of(p).label})") for p in providers
        ]

    @classmethod
    def initial(cls, referral) -> dict:
        return {
            "provider_id": str(referral.provider_id or ""),
            "proposed_start": referral.proposed_start,
            "proposed_end": referral.proposed_end,
            "first_review_on": referral.first_review_on,
        }

    def values(self) -> dict:
        return {
            "provider_id": int(self.provider_id.data),
            "proposed_start": self.proposed_start.data,
            "proposed_end": self.proposed_end.data,
            "first_review_on": self.first_review_on.data,
        }


class AgreementForm(SectionForm):
    parent_views = _text("Parents' or carers' views", "Enter the parents' or carers' views")
    pupil_views = _text("The pupil's views", "Enter the pupil's views", hint="In their own words where possible.")
    agreed_at_review = radios(
        "At which review did the parents agree?", REVIEW_KINDS, required="Select the review at which the parents agreed"
    )
    agreed_on = GovDate(
        "Date the parents agreed",
        required_message="Enter the date the parents agreed",
        validators=[not_in_future("The date the parents agreed must be today or in the past")],
    )

    @classmethod
    def initial(cls, referral) -> dict:
        return {
            "parent_views": referral.parent_views,
            "pupil_views": referral.pupil_views,
            "agreed_at_review": referral.agreed_at_review or None,
            "agreed_on": referral.agreed_on,
        }

    def values(self) -> dict:
        return {
            "parent_views": self.parent_views.data,
            "pupil_views": self.pupil_views.data,
            "agreed_at_review": self.agreed_at_review.data,
            "agreed_on": self.agreed_on.data,
        }


SECTION_FORMS: dict[str, type[SectionForm]] = {
    "pupil": PupilForm,
    "family": FamilyForm,
    "health": HealthForm,
    "send": SendForm,
    "history": HistoryForm,
    "profile": ProfileForm,
    "reasons": ReasonsForm,
    "objectives": ObjectivesForm,
    "risks": RisksForm,
    "provider": ProviderForm,
    "timetable": TimetableForm,
    "agreement": AgreementForm,
}
ROW_LISTS = {"objectives": ObjectivesForm, "risks": RisksForm, "sessions": TimetableForm}


# --- Starting, approving and returning ----------------------------------------------------------


class StartForm(FlaskForm):
    student_id = select("Pupil", validators=[chosen_from_list("Select the pupil to refer")])
    submit = SubmitField("Start the referral", widget=GovSubmitInput())

    def set_students(self, students) -> None:
        self.student_id.choices = [("", "Choose a pupil")] + [
            (str(s.id), f"{s.sort_name} (Year {s.year_group})") for s in students
        ]


SHARE_CHOICES = [
    ("send_needs", "SEND needs"),
    ("diagnoses", "Diagnoses"),
    ("medical_needs", "Medical needs and medication"),
    ("restrictions", "Contact restrictions (who must not collect or contact the pupil)"),
    ("outcomes", "Expected academic outcomes"),
    ("risks", "Risk assessment with its controls"),
]


class ApproveForm(FlaskForm):
    key_worker_id = select("Key worker", hint="The provider's member of staff who will work with the pupil.")
    start_date = GovDate("Start date", required_message="Enter the date the placement starts")
    planned_end_date = _planned_end("start_date", "The planned end date must be after the start date")
    first_review_on = _first_review("start_date", "Within 8 weeks of the start.")
    agreed_cost = number_input(
        "Agreed cost in pounds",
        "From the provider's Service Level Agreement, like 85.00",
        required="Enter the agreed cost in pounds, like 85.00",
    )
    cost_basis = radios("The cost is", COST_BASES, required="Select what the cost covers, like per session")
    share = checkboxes(
        "What the key worker may see",
        SHARE_CHOICES,
        hint="The key worker sees only what you tick. Share what they need to cater for the pupil.",
    )
    submit = SubmitField("Approve and create the placement", widget=GovSubmitInput())

    def set_key_workers(self, key_workers) -> None:
        self.key_worker_id.choices = [("", "Choose a key worker")] + [(str(u.id), u.name) for u in key_workers]

    def cost(self) -> Decimal | None:
        text = (self.agreed_cost.data or "").replace("£", "").replace(",", "").strip()
        if not re.fullmatch(r"\d{1,7}(\.\d{1,2})?", text):
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return None

    def validate_key_worker_id(self, field):
        options = {value for value, _ in field.choices if value}
        if options and field.data not in options:
            raise StopValidation("Select the key worker for this placement")

    def validate_agreed_cost(self, field):
        if self.cost() is None:
            raise StopValidation("Enter the agreed cost as an amount in pounds, like 85.00")


class ReturnForm(FlaskForm):
    comments = _text(
        "What needs to change",
        "Enter what needs to change before the referral can be approved",
        hint="The SEND lead sees this with the referral.",
    )
    submit = SubmitField("Return the referral", widget=GovSubmitInput())
