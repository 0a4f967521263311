"""Importing the roll from a CSV export or a Common Transfer File (issue 18).

Files are made in the test. The preview shows new pupils, changes and problems row by row; nothing is
written until confirmed; pupils are matched by UPN, never by name; re-importing changes nothing.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from ap_forms.extensions import db
from ap_forms.school.models import School
from ap_forms.students.models import Carer, PendingImport, Student, StudentChange
from ap_forms.students.upn import make_upn
from ap_forms.web.audit import AuditEvent
from tests import factories as f

UPN1, UPN2, UPN3 = (make_upn(940, 7019, 22, n) for n in (101, 102, 103))
BAD_UPN = ("A" if UPN3[0] != "A" else "B") + UPN3[1:]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(client, name: str, content: str):
    return client.post(
        "/pupils/import", data={"file": (io.BytesIO(content.encode()), name)}, content_type="multipart/form-data"
    )


def _token(response) -> str:
    return re.search(r"/pupils/import/([^/]+)", response.headers["Location"]).group(1)


@pytest.fixture
def office(app, auth):
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"
    user = f.make_user("office")
    auth.as_user(user)
    return user


CSV = (
    "Legal Surname,Legal Forename,DOB,Year,UPN,Gender,Contact 1 Name,Contact 1 Relationship,Contact 1 Phone\n"
    f"Abbott,Ella,27/03/2012,Year 9,{UPN1},F,Karen Abbott,Mother,07700 900111\n"
    f"Baker,Finn,2013-01-15,8,{UPN2},M,,,\n"
)


def _csv_import(client, content: str) -> tuple[str, str]:
    """Upload, accept the guessed mapping, and return (token, preview page)."""
    response = _upload(client, "roll.csv", content)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    token = _token(response)
    columns = client.get(f"/pupils/import/{token}/columns").get_data(as_text=True)
    mapping = {}
    selects = r'<select class="govuk-select[^"]*" id="([a-z0-9_]+)" name="\1"[^>]*>(.*?)</select>'
    for name, options in re.findall(selects, columns, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        mapping[name] = chosen.group(1) if chosen else ""
    response = client.post(f"/pupils/import/{token}/columns", data=mapping)
    assert response.status_code in (302, 303)
    return token, client.get(f"/pupils/import/{token}").get_data(as_text=True)


def test_csv_import_preview_confirm_and_reimport(app, client, office):
    existing = f.make_student(
        first_name="Old", last_name="Name", upn=UPN2, year_group=7, date_of_birth=date(2013, 1, 15)
    )
    token, preview = _csv_import(client, CSV)
    # The guessed mapping is remembered in school settings.
    saved = json.loads(db.session.scalar(select(School.import_mapping)))
    assert saved["upn"] == "UPN" and saved["last_name"] == "Legal Surname"
    assert saved["contact1_phone"] == "Contact 1 Phone"
    assert "<strong>1</strong> new pupil" in preview and "<strong>1</strong> pupil with changed details" in preview
    assert "Ella Abbott" in preview and "Karen Abbott" in preview
    assert "Old → Finn" in preview and "Name → Baker" in preview and "7 → 8" in preview
    # Nothing written before confirming
    assert _count(Student) == 1 and _count(Carer) == 0
    response = client.post(f"/pupils/import/{token}/confirm")
    assert response.status_code in (302, 303)
    ella = db.session.scalar(select(Student).where(Student.upn == UPN1))
    assert (ella.first_name, ella.last_name, ella.date_of_birth, ella.year_group, ella.gender) == (
        "Ella",
        "Abbott",
        date(2012, 3, 27),
        9,
        "F",
    )
    carer = db.session.scalar(select(Carer).where(Carer.student_id == ella.id))
    assert (carer.name, carer.relationship_to_pupil, carer.mobile_phone, carer.user_id) == (
        "Karen Abbott",
        "Mother",
        "07700 900111",
        None,
    )  # a carer, not an account
    db.session.refresh(existing)
    assert (existing.first_name, existing.last_name, existing.year_group) == ("Finn", "Baker", 8)
    assert db.session.scalar(select(StudentChange).where(StudentChange.student_id == existing.id)).by_id == office.id
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pupils_imported"))
    assert audit.user_id == office.id and "1 new, 1 changed, 0 unchanged" in audit.detail
    assert _count(PendingImport) == 0
    assert client.get(f"/pupils/import/{token}").status_code == 404  # used up

    # The same file again: the saved mapping is offered, and nothing changes.
    before = (_count(Student), _count(Carer), _count(StudentChange))
    token2, preview2 = _csv_import(client, CSV)
    assert "<strong>0</strong> new pupils" in preview2 and "<strong>2</strong> unchanged" in preview2
    assert "There is nothing to save" in preview2
    client.post(f"/pupils/import/{token2}/confirm")
    assert (_count(Student), _count(Carer), _count(StudentChange)) == before

    # Changed details for a known UPN are matched by UPN, never by name.
    changed = CSV.replace("Abbott,Ella", "Abbott-Smith,Ella").replace("07700 900111", "07700 900999")
    token3, preview3 = _csv_import(client, changed)
    assert "Abbott → Abbott-Smith" in preview3 and "Karen Abbott: new mobile phone" in preview3
    client.post(f"/pupils/import/{token3}/confirm")
    db.session.expire_all()
    assert _count(Student) == 2 and db.session.get(Student, ella.id).last_name == "Abbott-Smith"
    assert db.session.get(Carer, carer.id).mobile_phone == "07700 900999" and _count(Carer) == 1


def test_csv_problems_are_shown_row_by_row_and_skipped(app, client, office):
    content = (
        "UPN,Surname,Forename,DOB,Year\n"
        f"{UPN1},Good,Gwen,2012-05-05,9\n"
        f"{BAD_UPN},Bad,Bob,2012-05-05,9\n"
        f"{UPN2},Twin,Tom,2012-05-05,9\n"
        f"{UPN2},Twin,Tim,2012-05-05,9\n"
        f"{UPN3},Nodob,Nia,,9\n"
        f"{make_upn(940, 7019, 22, 104)},Future,Fay,2030-01-01,9\n"
    )
    token, preview = _csv_import(client, content)
    assert "<strong>1</strong> new pupil" in preview and "<strong>5</strong> rows with problems" in preview
    problems = preview[preview.index('id="problems"') : preview.index('id="new"')]
    assert f"Bad UPN “{BAD_UPN}”" in problems and "check letter" in problems
    assert f"UPN {UPN2} is also on row 5" in problems and f"UPN {UPN2} is also on row 4" in problems
    assert "No date of birth" in problems and "Date of birth is in the future" in problems
    for row in ('<td class="govuk-table__cell">3</td>', '<td class="govuk-table__cell">6</td>'):
        assert row in problems
    assert _count(Student) == 0
    client.post(f"/pupils/import/{token}/confirm")
    assert [s.upn for s in db.session.scalars(select(Student))] == [UPN1]


def test_mapping_must_name_the_upn_column_and_unreadable_files_are_refused(app, client, office):
    response = _upload(client, "roll.csv", "Name,Birthday\nAnn,2012-01-01\n")
    token = _token(response)
    page = client.post(f"/pupils/import/{token}/columns", data={"first_name": "Name"})
    assert page.status_code == 422 and "Choose the column that holds the UPN" in page.get_data(as_text=True)
    empty = _upload(client, "roll.csv", "UPN\n")
    assert empty.status_code == 422 and "at least one pupil" in empty.get_data(as_text=True)
    evil = _upload(client, "ctf.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CTfile>&a;</CTfile>')
    assert evil.status_code == 422 and "document type declaration" in evil.get_data(as_text=True)
    not_ctf = _upload(client, "x.xml", '<?xml version="1.0"?><Other/>')
    assert not_ctf.status_code == 422 and "not a Common Transfer File" in not_ctf.get_data(as_text=True)
    missing = client.post("/pupils/import", data={})
    assert missing.status_code == 422 and "Choose a CSV or CTF file" in missing.get_data(as_text=True)


def _ctf(pupils: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile><Header><DocumentName>Common Transfer File'
        "</DocumentName><CTFversion>23.0</CTFversion><SourceSchool><SchoolName>Hill Primary</SchoolName>"
        f"</SourceSchool></Header><CTFpupilData>{pupils}</CTFpupilData></CTfile>"
    )


def _pupil(upn, surname, forename, dob, year, contacts="") -> str:
    return (
        f"<Pupil><UPN>{upn}</UPN><UniqueLearnerNumber/><Surname>{surname}</Surname><Forename>{forename}"
        f"</Forename><DOB>{dob}</DOB><Gender>M</Gender><NCyearActual>{year}</NCyearActual>"
        f"<Contacts>{contacts}</Contacts></Pupil>"
    )


CONTACT = (
    "<Contact><Order>1</Order><Title>Mr</Title><Surname>Cole</Surname><Forename>Dan</Forename>"
    "<Relationship>PAF</Relationship><Responsibility>true</Responsibility>"
    "<Phones><Phone><TelephoneType>M</TelephoneType><PhoneNo>07700 900222</PhoneNo></Phone>"
    "<Phone><TelephoneType>H</TelephoneType><PhoneNo>01536 000111</PhoneNo></Phone></Phones>"
    "<Email><EmailType>H</EmailType><EmailAddress>Dan.Cole@home.example</EmailAddress></Email>"
    "<Address><BS7666Address><PAON>3</PAON><Street>Mill Road</Street><Town>Kettering</Town>"
    "<PostCode>NN16 0AA</PostCode></BS7666Address></Address></Contact>"
)


def test_ctf_import_valid_errors_reimport_and_changes(app, client, office):
    ctf = _ctf(
        _pupil(UPN1, "Cole", "Sam", "2012-09-01", "9", CONTACT)
        + _pupil(BAD_UPN, "Wrong", "Will", "2012-09-01", "9")
        + _pupil(UPN2, "Nodate", "Nell", "", "9")
    )
    response = _upload(client, "transfer.xml", ctf)
    token = _token(response)
    assert "/columns" not in response.headers["Location"]  # a CTF needs no column mapping
    preview = client.get(f"/pupils/import/{token}").get_data(as_text=True)
    assert "<strong>1</strong> new pupil" in preview and "<strong>2</strong> rows with problems" in preview
    assert "Sam Cole" in preview and "Dan Cole" in preview and "No date of birth" in preview
    assert _count(Student) == 0
    client.post(f"/pupils/import/{token}/confirm")
    sam = db.session.scalar(select(Student).where(Student.upn == UPN1))
    assert (sam.first_name, sam.date_of_birth, sam.year_group, sam.gender) == ("Sam", date(2012, 9, 1), 9, "M")
    dan = sam.carers[0]
    assert (dan.name, dan.relationship_to_pupil, dan.mobile_phone, dan.home_phone, dan.email) == (
        "Dan Cole",
        "Father",
        "07700 900222",
        "01536 000111",
        "dan.cole@home.example",
    )
    assert dan.parental_responsibility and "Mill Road" in dan.address and dan.user_id is None

    # The same file again changes nothing.
    before = (_count(Student), _count(Carer), _count(StudentChange))
    token = _token(_upload(client, "transfer.xml", ctf))
    again = client.get(f"/pupils/import/{token}").get_data(as_text=True)
    assert "<strong>1</strong> unchanged" in again and "There is nothing to save" in again
    client.post(f"/pupils/import/{token}/confirm")
    assert (_count(Student), _count(Carer), _count(StudentChange)) == before

    # Changed details: a new year group and a new phone number.
    changed = ctf.replace("<NCyearActual>9</NCyearActual>", "<NCyearActual>10</NCyearActual>", 1).replace(
        "07700 900222", "07700 900333"
    )
    token = _token(_upload(client, "transfer.xml", changed))
    preview = client.get(f"/pupils/import/{token}").get_data(as_text=True)
    assert "9 → 10" in preview and "<strong>1</strong> pupil with changed details" in preview
    client.post(f"/pupils/import/{token}/confirm")
    db.session.expire_all()
    assert db.session.get(Student, sam.id).year_group == 10
    assert db.session.get(Carer, dan.id).mobile_phone == "07700 900333" and _count(Carer) == 1


def test_a_pending_import_belongs_to_its_uploader(app, client, auth, office):
    token = _token(_upload(client, "transfer.xml", _ctf(_pupil(UPN1, "Cole", "Sam", "2012-09-01", "9"))))
    auth.as_user(f.make_user("send_lead"))
    assert client.get(f"/pupils/import/{token}").status_code == 404
    assert client.post(f"/pupils/import/{token}/confirm").status_code == 404
    assert _count(Student) == 0
