"""Valid answers for each section of the Referral Form, as a browser would post them (issue 4)."""

from __future__ import annotations

from ap_forms.extensions import db
from ap_forms.referrals.models import Referral


def valid_section_data(provider_id: int) -> dict[str, dict]:
    return {
        "pupil": {"uln": "", "gender": "female", "home_language": "English"},
        "family": {"parents_carers": "Jo Example (Mother): 07700 900000", "has_restrictions": "no", "restrictions": ""},
        "health": {"medical_needs": "None", "medication": "None"},
        "send": {
            "send_needs": "Social, emotional and mental health",
            "diagnoses": "Autism",
            "ehcp_outcomes": "To manage anxiety in new places",
        },
        "history": {
            "attendance_percent": "64",
            "suspensions_last_year": "1",
            "exclusions_detail": "",
            "social_care_status": "none",
            "looked_after": "no",
            "social_care_details": "",
        },
        "profile": {
            "strengths": "Patient with animals",
            "barriers": "Anxiety in busy rooms",
            "past_interventions": "Nurture group",
        },
        "reasons": {"reasons": ["therapeutic", "other"], "reason_other": "Needs to learn outdoors"},
        "objectives": {
            "objectives-0-objective": "Attend at least 90% of sessions",
            "objectives-0-measure": "Attendance register each half term",
            "objectives-1-objective": "Complete the animal care unit",
            "objectives-1-measure": "Unit signed off by the provider",
            "objectives-2-objective": "",
            "objectives-2-measure": "",
            "expected_outcomes": "Entry Level 3 certificate in land-based studies",
        },
        "risks": {
            "risks-0-hazard": "Leaving the site when anxious",
            "risks-0-triggers": "Loud noises",
            "risks-0-controls": "Quiet space and a named adult",
            "risks-0-likelihood": "3",
            "risks-0-severity": "4",
        },
        "provider": {
            "provider_id": str(provider_id),
            "proposed_start": ["7", "12", "2026"],
            "proposed_end": ["16", "7", "2027"],
            "first_review_on": ["25", "1", "2027"],
        },
        "timetable": {
            "sessions-0-weekday": "0",
            "sessions-0-start_time": "09:30",
            "sessions-0-end_time": "12:00",
            "sessions-0-activity": "Animal care",
            "sessions-0-site_address": "",
            "sessions-1-weekday": "2",
            "sessions-1-start_time": "13:00",
            "sessions-1-end_time": "15:00",
            "sessions-1-activity": "Horticulture",
            "sessions-1-site_address": "The walled garden",
        },
        "agreement": {
            "parent_views": "We want this for him",
            "pupil_views": "I like the farm",
            "agreed_at_review": "interim",
            "agreed_on": ["20", "11", "2026"],
        },
    }


def version_of(referral_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Referral, referral_id).version


def post_section(
    client, referral_id: int, key: str, data: dict, *, autosave: bool = False, version=None, action: str = "save"
):
    payload = {**data, "version": str(version if version is not None else version_of(referral_id))}
    if not autosave:
        payload["action"] = action
    headers = {"HX-Request": "true", "X-Autosave": "1"} if autosave else {}
    return client.post(f"/referrals/{referral_id}/sections/{key}", data=payload, headers=headers)
