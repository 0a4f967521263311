"""The commissioning status is computed from the record: every missing or expired part, the
30-day window, and the gate that refuses placements at a provider that is not cleared."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ap_forms.extensions import db
from ap_forms.providers import services
from ap_forms.providers.models import TrainingRecord
from ap_forms.providers.services import ProviderNotCleared, add_years, commissioning_status, ensure_provider_cleared
from tests import factories

DONE_ON = date(2026, 1, 10)
RENEW_BY = date(2027, 1, 10)  # a year on: the last day everything done on DONE_ON is still valid
MID_YEAR = date(2026, 6, 1)


@pytest.fixture
def provider(app):
    provider = factories.make_provider(name="Willow Farm")
    factories.make_user("key_worker", provider_id=provider.id, name="Kim Key")
    return factories.clear_provider(provider, on=DONE_ON)


def _problems(provider, today=MID_YEAR):
    db.session.commit()  # save the test's change and reload the record, as a new request would
    return commissioning_status(provider, today).problems


def test_a_complete_record_is_cleared(provider):
    status = commissioning_status(provider, MID_YEAR)
    assert (status.state, status.label, status.is_cleared) == ("cleared", "Cleared", True)
    assert status.problems == [] and status.expiring == []
    assert [p.key for p in status.parts] == [
        "registration",
        "agreement",
        "documentation",
        "policies",
        "vetting",
        "trust_policy",
        "training",
        "checklist",
    ]


def test_an_empty_record_lists_every_missing_part(app):
    provider = factories.make_provider(la_approved=False, ofsted_urn=None)
    status = commissioning_status(provider, MID_YEAR)
    assert (status.state, status.label, status.is_cleared) == ("not_cleared", "Not cleared", False)
    assert status.problems == [
        "Not Ofsted registered and not on the local authority's approved provider list",
        "No Service Level Agreement recorded",
        "Risk assessments and documentation not checked",
        "No safeguarding policy seen",
        "No e-safety policy seen",
        "No data protection policy seen",
        "No health and safety policy seen",
        "No written confirmation of staff vetting checks",
        "Trust Safeguarding and Child Protection Policy not sent to the provider",
        "No safeguarding training recorded",
        "Safeguarding checklist not completed and signed off",
    ]


def test_registration_needs_an_ofsted_urn_or_the_la_list(provider):
    provider.la_approved, provider.ofsted_urn = False, None
    assert _problems(provider) == ["Not Ofsted registered and not on the local authority's approved provider list"]
    provider.ofsted_urn = "2712001"
    assert _problems(provider) == []


def test_agreement_must_be_signed_by_both_sides_and_in_force(provider):
    provider.agreement.school_signed_on = None
    provider.agreement.provider_signed_on = None
    assert _problems(provider) == [
        "Service Level Agreement not signed by the school",
        "Service Level Agreement not signed by the provider",
    ]
    provider.agreement.school_signed_on = provider.agreement.provider_signed_on = DONE_ON
    provider.agreement.start_date = date(2026, 7, 1)
    assert _problems(provider) == ["Service Level Agreement does not start until 1 July 2026"]
    provider.agreement.start_date, provider.agreement.end_date = DONE_ON, date(2026, 5, 31)
    assert _problems(provider) == ["Service Level Agreement ended on 31 May 2026"]


def test_documentation_check_lapses_after_a_year(provider):
    provider.documentation_check.checked_on = date(2025, 5, 31)
    assert _problems(provider) == ["Risk assessments and documentation last checked on 31 May 2025: check them again"]


def test_each_policy_is_needed_and_lapses_at_its_review_date(provider):
    policy = provider.policy("e_safety")
    policy.review_date = date(2026, 5, 31)
    assert _problems(provider) == ["E-safety policy was due for review on 31 May 2026: ask for the reviewed policy"]
    db.session.delete(policy)
    db.session.commit()
    assert _problems(provider) == ["No e-safety policy seen"]


def test_vetting_confirmation_must_confirm_dbs_name_key_workers_and_follow_staff_changes(provider):
    letter = provider.latest_vetting
    letter.enhanced_dbs_barred = False
    assert _problems(provider) == [
        "Written confirmation does not say every adult has an enhanced DBS check with a barred list check"
    ]
    letter.enhanced_dbs_barred = True
    factories.make_user("key_worker", provider_id=provider.id, name="New Starter")
    assert _problems(provider) == ["Written confirmation of vetting checks does not name New Starter"]
    letter.staff_names += "\n  new   STARTER "  # names match whatever the case and spacing
    assert _problems(provider) == []
    provider.staff_changed_on = date(2026, 3, 2)
    assert _problems(provider) == ["Staff changed on 2 March 2026: ask for new written confirmation of vetting checks"]
    services.add_vetting_confirmation(
        provider,
        received_on=date(2026, 3, 5),
        staff_names="Kim Key\nNew Starter",
        enhanced_dbs_barred=True,
        confirmed_by="",
        actor=None,
    )
    assert _problems(provider) == []
    assert "Written confirmation of vetting checks is from 5 March 2026: ask for a new one" in _problems(
        provider, date(2027, 3, 6)
    )


def test_trust_policy_must_be_sent_and_acknowledged_each_year(provider):
    provider.trust_policy.acknowledged_on = None
    assert _problems(provider) == ["Provider has not acknowledged the Trust Safeguarding and Child Protection Policy"]
    provider.trust_policy.acknowledged_on = date(2025, 5, 1)
    assert _problems(provider) == [
        "Trust Safeguarding and Child Protection Policy last acknowledged on 1 May 2025: send the current policy again"
    ]


def test_training_must_include_safeguarding_within_a_year(provider):
    provider.latest_safeguarding_training.attended_on = date(2025, 5, 1)
    db.session.add(
        TrainingRecord(
            provider_id=provider.id, attended_on=date(2026, 5, 1), title="First aid", includes_safeguarding=False
        )
    )  # recent, but not safeguarding
    assert _problems(provider) == ["Safeguarding training last attended on 1 May 2025: annual training is overdue"]


def test_checklist_must_be_signed_off_and_renewed_yearly(provider):
    checklist = provider.signed_off_checklist
    checklist.completed_on = None
    assert _problems(provider) == ["Safeguarding checklist not completed and signed off"]
    checklist.completed_on = date(2025, 5, 31)
    assert _problems(provider) == ["Safeguarding checklist signed off on 31 May 2025 needs renewing"]


def test_the_30_day_window(provider):
    # Everything in the record runs to RENEW_BY (inclusive).
    assert commissioning_status(provider, RENEW_BY - timedelta(days=31)).state == "cleared"
    status = commissioning_status(provider, RENEW_BY - timedelta(days=30))
    assert (status.state, status.label, status.is_cleared) == ("expiring", "Expiring soon", True)
    assert "Service Level Agreement ends on 10 January 2027" in status.expiring
    assert "Safeguarding checklist to be renewed by 10 January 2027" in status.expiring
    assert "Safeguarding policy is due for review on 10 January 2027" in status.expiring
    assert len(status.expiring) == 10 and status.problems == []
    assert commissioning_status(provider, RENEW_BY).state == "expiring"
    lapsed = commissioning_status(provider, RENEW_BY + timedelta(days=1))
    assert lapsed.state == "not_cleared" and len(lapsed.problems) == 10 and lapsed.expiring == []


def test_one_part_due_soon_makes_the_provider_expiring(provider):
    provider.policy("health_safety").review_date = MID_YEAR + timedelta(days=12)
    db.session.commit()
    status = commissioning_status(provider, MID_YEAR)
    assert status.state == "expiring"
    assert status.expiring == ["Health and safety policy is due for review on 13 June 2026"]
    assert [p.state for p in status.parts if p.key == "policies"] == ["expiring"]


def test_add_years_handles_29_february():
    assert add_years(date(2028, 2, 29)) == date(2029, 2, 28)
    assert add_years(date(2026, 1, 10)) == date(2027, 1, 10)


def test_the_gate_refuses_a_provider_that_is_not_cleared(provider):
    assert ensure_provider_cleared(provider, MID_YEAR).state == "cleared"
    assert ensure_provider_cleared(provider, RENEW_BY).state == "expiring"  # expiring is still cleared
    with pytest.raises(ProviderNotCleared) as refused:
        ensure_provider_cleared(provider, RENEW_BY + timedelta(days=1))
    assert "Service Level Agreement ended on 10 January 2027" in refused.value.problems
    assert refused.value.provider is provider


def test_default_today_is_the_real_date(provider):
    assert commissioning_status(provider).state == commissioning_status(provider, date.today()).state


def test_a_staff_change_on_the_day_of_the_confirmation_needs_a_confirmation_recorded_after_it(provider):
    """The boundary: a change dated the same day as the letter is covered only by a letter recorded after
    the change was recorded; an earlier letter that day (or one we cannot order) asks for a new one."""
    from datetime import datetime

    from ap_forms.web import audit

    letter = provider.latest_vetting
    letter.recorded_at = datetime(2026, 1, 10, 9, 0)
    provider.staff_changed_on = letter.received_on  # the same day
    audit.record("provider_staff_changed", "provider", provider.id).at = datetime(2026, 1, 10, 11, 0)
    assert _problems(provider) == [
        "Staff changed on 10 January 2026: ask for new written confirmation of vetting checks"
    ]
    later = services.add_vetting_confirmation(
        provider, received_on=DONE_ON, staff_names="Kim Key", enhanced_dbs_barred=True, confirmed_by="", actor=None
    )
    later.recorded_at = datetime(2026, 1, 10, 14, 0)  # recorded after the change, the same day
    assert _problems(provider) == []
