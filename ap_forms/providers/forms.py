from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Regexp, ValidationError

from ap_forms.providers.models import ANSWERS, COST_BASES, OFSTED_JUDGEMENTS, REGISTRATION_TYPES, SETTING_TYPES
from ap_forms.providers.services import EVIDENCE_TOPICS
from ap_forms.web.form_fields import (
    YES_NO,
    GovDateField,
    checkbox,
    email_field,
    not_before,
    past_date,
    phone_field,
    radios,
    reference_number,
    required_date,
    strip,
    text_area,
    text_input,
)
from ap_forms.web.uploads import EvidenceFile

EVIDENCE_HINT = "Optional. A PDF, PNG or JPEG, up to 10 MB."


def evidence_field(label: str = "Evidence (optional)") -> FileField:
    return FileField(label, widget=GovFileInput(), description=EVIDENCE_HINT, validators=[EvidenceFile()])


class ProviderForm(FlaskForm):
    name = text_input("Provider name", required="Enter the provider's name", max_length=160)
    registration_type = radios(
        "Registration type", list(REGISTRATION_TYPES.items()), required="Choose the provider's registration type"
    )
    ofsted_urn = reference_number(
        "Ofsted URN (if registered)",
        "The unique reference number on the provider's Ofsted reports, like 2712001 or EY123456.",
        pattern=r"^(?:[A-Za-z]{2})?\d{6,7}$",
        message="Enter the Ofsted URN as it appears on the report, like 2712001",
    )
    ofsted_judgement = radios(
        "Latest Ofsted judgement",
        list(OFSTED_JUDGEMENTS.items()),
        hint="Leave blank if the provider is not registered with Ofsted.",
    )
    ofsted_judgement_date = past_date(
        "Date of the latest inspection",
        "For example, 14 3 2025",
        in_future="The date of the latest inspection must be today or in the past",
    )
    ukprn = reference_number(
        "UK provider reference number (UKPRN, optional)",
        "For the school census: 8 numbers starting with 1, like 10012345.",
        pattern=r"^1\d{7}$",
        message="Enter the UKPRN as 8 numbers starting with 1, like 10012345",
    )
    setting_type = radios(
        "Type of setting, for the school census (optional)",
        list(SETTING_TYPES.items()),
        hint="Only for a provider with neither a school URN nor a UKPRN.",
    )
    la_approved = radios(
        "Is the provider on the local authority's approved provider list?",
        YES_NO,
        required="Choose yes if the provider is on the approved list",
    )
    address = text_area("Main address", required="Enter the provider's main address", max_length=500)
    contact_name = text_input("Contact name", required="Enter the name of the person to contact", max_length=120)
    contact_email = email_field("Contact email", required="Enter the contact's email address")
    contact_phone = phone_field("Contact phone", required="Enter the contact's phone number")
    submit = SubmitField("Save provider details", widget=GovSubmitInput())

    def validate_ofsted_judgement(self, field):
        if field.data and not self.ofsted_urn.data:
            raise ValidationError("Enter the Ofsted URN, or leave the judgement blank")

    def validate_ofsted_judgement_date(self, field):
        if self.ofsted_judgement.data not in (None, "", "None", "not_inspected") and field.data is None:
            raise ValidationError("Enter the date of the latest inspection")

    def values(self) -> dict:
        judgement = self.ofsted_judgement.data if self.ofsted_judgement.data in OFSTED_JUDGEMENTS else ""
        return {
            "name": self.name.data,
            "registration_type": self.registration_type.data,
            "ofsted_urn": (self.ofsted_urn.data or "").upper() or None,
            "ofsted_judgement": judgement,
            "ofsted_judgement_date": self.ofsted_judgement_date.data if judgement else None,
            "la_approved": self.la_approved.data == "yes",
            "address": self.address.data.strip(),
            "contact_name": self.contact_name.data,
            "contact_email": self.contact_email.data,
            "contact_phone": self.contact_phone.data,
            "ukprn": self.ukprn.data or None,
            "setting_type": self.setting_type.data if self.setting_type.data in SETTING_TYPES else "",
        }

    def fill_from(self, provider) -> None:
        for name in (
            "name",
            "registration_type",
            "ofsted_urn",
            "ofsted_judgement_date",
            "address",
            "contact_name",
            "contact_email",
            "contact_phone",
            "ukprn",
        ):
            getattr(self, name).data = getattr(provider, name)
        self.ofsted_judgement.data = provider.ofsted_judgement or None
        self.la_approved.data = "yes" if provider.la_approved else "no"
        self.setting_type.data = provider.setting_type or None


class SiteForm(FlaskForm):
    site_name = text_input("Site name", required="Enter a name for the site, like “Stables”", max_length=120)
    site_address = text_area("Site address", required="Enter the site's address", max_length=500)
    submit = SubmitField("Add site", widget=GovSubmitInput())


class AgreementForm(FlaskForm):
    terms = text_area(
        "Agreed terms",
        "What the provider will deliver: sessions, staffing ratios, reporting, notice periods.",
        required="Enter the agreed terms",
    )
    start_date = GovDateField("Start date", validators=[required_date("Enter the date the agreement starts")])
    end_date = GovDateField(
        "End date",
        validators=[
            required_date("Enter the date the agreement ends"),
            not_before("start_date", "The end date must be on or after the start date"),
        ],
    )
    school_signed_on = past_date(
        "Date signed by the school",
        "Leave blank if not signed yet.",
        in_future="The date signed by the school must be today or in the past",
    )
    provider_signed_on = past_date(
        "Date signed by the provider",
        "Leave blank if not signed yet.",
        in_future="The date signed by the provider must be today or in the past",
    )
    cost_basis = radios(
        "Cost basis", list(COST_BASES.items()), required="Choose whether the cost is per session, day or term"
    )
    rate = StringField(
        "Rate in pounds",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            InputRequired("Enter the rate in pounds, like 85 or 85.50"),
            Regexp(r"^£?\d{1,6}(\.\d{1,2})?$", message="Enter the rate in pounds, like 85 or 85.50"),
        ],
    )
    evidence = evidence_field("Signed agreement (optional)")
    submit = SubmitField("Save agreement", widget=GovSubmitInput())

    def validate_rate(self, field):
        if not field.errors and field.data and float(field.data.lstrip("£")) <= 0:
            raise ValidationError("Enter a rate more than £0")


class DocumentationForm(FlaskForm):
    checked_on = past_date(
        "Date checked",
        required="Enter the date the risk assessments and documentation were checked",
        in_future="The date checked must be today or in the past",
    )
    notes = text_area("What was checked, and anything to follow up", required="Enter what was checked")
    evidence = evidence_field()
    submit = SubmitField("Save check", widget=GovSubmitInput())


class PolicyForm(FlaskForm):
    review_date = GovDateField(
        "The provider's next review date for this policy",
        description="As written on the policy, for example 1 9 2027.",
        validators=[required_date("Enter the date the provider will next review the policy")],
    )
    evidence = evidence_field("Copy of the policy (optional)")
    submit = SubmitField("Save policy", widget=GovSubmitInput())


class VettingForm(FlaskForm):
    received_on = past_date(
        "Date the written confirmation was received",
        required="Enter the date the written confirmation was received",
        in_future="The date received must be today or in the past",
    )
    staff_names = text_area(
        "Staff it covers",
        "One name a line: every adult who will work with pupils.",
        required="Enter the names of the staff the confirmation covers",
    )
    enhanced_dbs_barred = checkbox("It confirms an enhanced DBS check with a barred list check for each of them")
    confirmed_by = text_input(
        "Signed by (optional)", "Name and role of the person at the provider who confirmed it.", max_length=120
    )
    evidence = evidence_field("The written confirmation (optional)")
    submit = SubmitField("Save confirmation", widget=GovSubmitInput())


class StaffChangeForm(FlaskForm):
    changed_on = past_date(
        "Date the staff changed",
        required="Enter the date the staff changed",
        in_future="The date the staff changed must be today or in the past",
    )
    note = text_area(
        "What changed",
        "For example, “New instructor, Alex Brook, started working with our pupils”.",
        required="Enter what changed",
        max_length=300,
    )
    submit = SubmitField("Record staff change", widget=GovSubmitInput())


class TrustPolicyForm(FlaskForm):
    sent_on = past_date(
        "Date the policy was sent",
        required="Enter the date the Trust policy was sent",
        in_future="The date sent must be today or in the past",
    )
    acknowledged_on = past_date(
        "Date the provider acknowledged it",
        "Leave blank if not yet.",
        in_future="The date acknowledged must be today or in the past",
        also=[not_before("sent_on", "The date acknowledged must be on or after the date it was sent")],
    )
    evidence = evidence_field("The acknowledgement (optional)")
    submit = SubmitField("Save", widget=GovSubmitInput())


class TrainingForm(FlaskForm):
    attended_on = past_date(
        "Date attended",
        required="Enter the date the training was attended",
        in_future="The date attended must be today or in the past",
    )
    title = text_input("What the training was", required="Enter what the training was", max_length=200)
    includes_safeguarding = radios(
        "Did it include safeguarding training?", YES_NO, required="Choose yes if it included safeguarding training"
    )
    attendees = text_area("Who attended (optional)", max_length=2000)
    evidence = evidence_field("Certificate or register (optional)")
    submit = SubmitField("Save training", widget=GovSubmitInput())


class EvidenceForm(FlaskForm):
    topic = SelectField(
        "What is it evidence of?",
        widget=GovSelect(),
        choices=[("", "Choose")] + list(EVIDENCE_TOPICS.items()),
        validators=[InputRequired("Choose what the document is evidence of")],
    )
    description = text_input(
        "Description (optional)", "For example, “Public liability insurance, valid to March 2027”.", max_length=200
    )
    file = FileField(
        "Document",
        widget=GovFileInput(),
        description="A PDF, PNG or JPEG, up to 10 MB.",
        validators=[EvidenceFile(required=True, message="Select the document to upload")],
    )
    submit = SubmitField("Upload", widget=GovSubmitInput())

    def validate_topic(self, field):
        if field.data not in EVIDENCE_TOPICS:
            raise ValidationError("Choose what the document is evidence of")


class AnswerForm(FlaskForm):
    answer = radios("Answer", list(ANSWERS.items()), required="Choose yes, no or not applicable")
    comment = text_area("Comment", max_length=2000)
    evidence = evidence_field()
    submit = SubmitField("Save answer", widget=GovSubmitInput())

    def validate_comment(self, field):
        if self.answer.data == "no" and not (field.data or "").strip():
            raise ValidationError("Say what is missing and what the provider will do about it")
        if self.answer.data == "na" and not (field.data or "").strip():
            raise ValidationError("Say why this does not apply to this provider")


class SignOffForm(FlaskForm):
    confirm = checkbox(
        "I have checked these answers and I am satisfied this provider meets the safeguarding requirements",
        required="Confirm you are satisfied before signing off",
    )
    submit = SubmitField("Sign off checklist", widget=GovSubmitInput())


class StartChecklistForm(FlaskForm):
    """CSRF only: starting a checklist is one button."""
