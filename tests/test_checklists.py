"""Checklists are versioned data: publishing a new version never changes past answers."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from ap_forms.checklists import services
from ap_forms.checklists.defaults import SAFEGUARDING_ITEMS
from ap_forms.checklists.models import ChecklistVersion
from ap_forms.extensions import db
from tests import factories


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_default_version_is_seeded_once(app):
    first = services.current_version("safeguarding")
    assert first.number == 1 and len(first.items) == len(SAFEGUARDING_ITEMS)
    assert [i.position for i in first.items] == list(range(1, len(SAFEGUARDING_ITEMS) + 1))
    assert first.items[0].section == "Safeguarding leadership and policies"
    assert services.current_version("safeguarding").id == first.id
    assert db.session.scalar(select(func.count(ChecklistVersion.id))) == 1
    with pytest.raises(LookupError):
        services.current_version("nonsense")


def test_publishing_a_new_version_keeps_past_answers(app):
    provider = factories.make_provider()
    old = factories.start_checklist(provider)
    factories.answer_all(old)
    old_texts = [item.text for item in old.version.items]

    drafts = [services.ItemDraft(i.section, i.text, i.hint) for i in old.version.items[1:]]
    drafts[0] = services.ItemDraft(drafts[0].section, "The safeguarding policy names the DSL", "")
    drafts.append(services.ItemDraft("Online safety and data protection", "Pupils' phones are kept safely"))
    new = services.publish_version("safeguarding", drafts, notes="KCSIE 2026", actor=None)

    assert new.number == 2 and len(new.items) == len(old_texts) and new.notes == "KCSIE 2026"
    assert services.current_version("safeguarding").id == new.id
    db.session.expire_all()
    assert [a.item.text for a in sorted(old.answers, key=lambda a: a.item.position)] == old_texts
    assert old.version.number == 1 and [i.text for i in old.version.items] == old_texts
    assert {a.item.version_id for a in old.answers} == {old.version_id}
    fresh = factories.start_checklist(provider)
    assert fresh.version_id == new.id


def test_publishing_refuses_empty_unchanged_or_sectionless_lists(app):
    current = services.current_version("safeguarding")
    same = [services.ItemDraft(i.section, i.text, i.hint) for i in current.items]
    with pytest.raises(services.ChecklistError, match="Nothing has changed"):
        services.publish_version("safeguarding", same)
    with pytest.raises(services.ChecklistError, match="at least one item"):
        services.publish_version("safeguarding", [services.ItemDraft("Section", "  ")])
    with pytest.raises(services.ChecklistError, match="Enter a section"):
        services.publish_version("safeguarding", [services.ItemDraft("", "An item")])
    assert db.session.scalar(select(func.count(ChecklistVersion.id))) == 1


def test_send_lead_publishes_a_new_version_through_the_page(client, auth, world):
    auth.as_user(world.users["send_lead"])
    page = _text(client.get("/checklists/safeguarding/publish"))
    assert "Publish version 2" in page and SAFEGUARDING_ITEMS[0][1] in page
    current = services.current_version("safeguarding")
    data = {}
    for n, item in enumerate(current.items):
        data.update({f"items-{n}-section": item.section, f"items-{n}-text": item.text, f"items-{n}-hint": item.hint})
    data["items-3-text"] = ""  # leave one out
    data.update(
        {
            "items-22-section": "Behaviour and care",
            "items-22-text": "Searches follow the school's policy",
            "items-23-section": "",
            "items-23-text": "No section given",
        }
    )
    response = client.post("/checklists/safeguarding/publish", data=data)
    assert response.status_code == 422 and "Enter the section this item belongs to" in _text(response)
    assert "Searches follow the school's policy</textarea>" in _text(response)  # nothing typed is lost

    data["items-23-text"] = ""
    data["notes"] = "Added searches"
    response = client.post("/checklists/safeguarding/publish", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/checklists/safeguarding/2")
    version = services.get_version("safeguarding", 2)
    assert len(version.items) == len(current.items)  # one left out, one added
    assert version.published_by_id == world.users["send_lead"].id
    # The new item joins its section, before the later sections: numbers run down the page.
    sections = [item.section for item in version.items]
    added = next(i for i in version.items if i.text == "Searches follow the school's policy")
    assert sections[added.position - 1] == "Behaviour and care" and sections[added.position] != "Behaviour and care"
    assert sections[-1] == "Attendance and communication with the school"
    assert current.items[3].text not in [item.text for item in version.items]

    assert "version 2" in _text(client.get("/checklists/"))
    assert "Added searches" in _text(client.get("/checklists/safeguarding/2"))
    old = _text(client.get("/checklists/safeguarding/1"))
    assert "has been replaced by" in old and current.items[3].text in old


def test_admin_may_publish_headteacher_may_only_read(client, auth, world):
    auth.as_user(world.users["headteacher"])
    assert "Publish a new version" not in _text(client.get("/checklists/"))
    auth.as_user(world.users["admin"])
    assert "Publish a new version" in _text(client.get("/checklists/"))
