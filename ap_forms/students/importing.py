"""Importing the roll from the school's information system: a CSV export or a DfE Common Transfer File.

Upload → (CSV: map its columns to ours, remembered in school settings) → preview → confirm. The parsed
upload waits server-side (PendingImport, keyed by a random token, for the person who uploaded it);
nothing touches the roll until they confirm. Pupils are matched by UPN, never by name. The import is
one transaction and one audit row with the counts; importing the same file again changes nothing.
Contacts in the file become parents and carers (Carer), never accounts.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from xml.parsers import expat

from sqlalchemy import delete, func, select

from ap_forms.extensions import db
from ap_forms.school.services import stored_settings
from ap_forms.students.models import Carer, PendingImport, Student
from ap_forms.students.roll import LABELS, apply_values, record_change
from ap_forms.students.upn import upn_problem
from ap_forms.web import audit, clock

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
PENDING_HOURS = 24

PUPIL_FIELDS = [
    ("upn", "UPN"),
    ("last_name", "Last name (surname)"),
    ("first_name", "First name (forename)"),
    ("preferred_name", "Preferred name"),
    ("date_of_birth", "Date of birth"),
    ("year_group", "Year group"),
    ("gender", "Gender"),
    ("uln", "ULN"),
]
CONTACT_PARTS = [("name", "name"), ("relationship", "relationship"), ("phone", "phone"), ("email", "email")]
CONTACT_FIELDS = [(f"contact{n}_{part}", f"Contact {n}: {label}") for n in (1, 2) for part, label in CONTACT_PARTS]
MAPPABLE = PUPIL_FIELDS + CONTACT_FIELDS
ALIASES = {
    "upn": ["upn", "unique pupil number"],
    "last_name": ["surname", "legal surname", "last name", "lastname", "family name"],
    "first_name": ["forename", "legal forename", "first name", "firstname", "given name"],
    "preferred_name": ["preferred forename", "preferred name", "known as"],
    "date_of_birth": ["dob", "date of birth", "birth date", "birthdate"],
    "year_group": ["year", "year group", "nc year", "ncyearactual", "nc year actual", "national curriculum year"],
    "gender": ["gender", "sex"],
    "uln": ["uln", "unique learner number"],
}
# A contact's fields are found under "contact 1 phone" or "contact1 phone"; a name and a phone number
# under other headings too.
MORE_CONTACT_HEADINGS = {
    "name": ["contact {n}", "priority {n} contact"],
    "phone": ["contact {n} telephone", "contact {n} mobile"],
}
for _n in (1, 2):
    for _part, _label in CONTACT_PARTS:
        ALIASES[f"contact{_n}_{_part}"] = [
            f"contact {_n} {_part}",
            f"contact{_n} {_part}",
            *(heading.format(n=_n) for heading in MORE_CONTACT_HEADINGS.get(_part, [])),
        ]

CTF_RELATIONSHIPS = {
    "PAM": "Mother",
    "PAF": "Father",
    "CAR": "Carer",
    "STP": "Step-parent",
    "FOM": "Foster mother",
    "FOF": "Foster father",
    "GRP": "Grandparent",
    "REL": "Other relative",
    "OTH": "Other",
    "SWR": "Social worker",
    "CHM": "Childminder",
    "DOC": "Doctor",
    "HTE": "Head teacher",
    "PAR": "Parent",
    "CAS": "Carer",
}


class ImportError_(ValueError):
    """The file cannot be read at all; the message says why."""


# --- reading files --------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_("The file's characters could not be read. Export it again as CSV (UTF-8)")


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise ImportError_(f"The CSV file could not be read ({error})") from None
    if len(rows) < 2:
        raise ImportError_("The CSV file needs a heading row and at least one pupil")
    if len(rows) > MAX_ROWS + 1:
        raise ImportError_(f"The file has more than {MAX_ROWS:,} rows. Export one year group at a time")
    headings = [h.strip()[:80] for h in rows[0]]
    return headings, [[cell.strip()[:500] for cell in row] for row in rows[1:]]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _child_text(element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _descendants(element, name: str):
    return [e for e in element.iter() if _local(e.tag) == name]


def read_ctf(data: bytes) -> list[dict]:
    """Pupils from a Common Transfer File (CTfile/CTFpupilData/Pupil), as import rows."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise ImportError_("This XML file contains a document type declaration, which a CTF never has")
    # Expat directly, with any document type declaration refused: no entity expansion (billion laughs),
    # no external entities.
    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()

    def refuse(*args):
        raise ImportError_("This XML file contains a document type declaration, which a CTF never has")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
        root = builder.close()
    except (expat.ExpatError, AssertionError) as error:
        raise ImportError_(f"The file is not valid XML ({error})") from None
    if _local(root.tag) != "CTfile":
        raise ImportError_("This XML file is not a Common Transfer File (it has no CTfile element)")
    pupils = [p for block in _descendants(root, "CTFpupilData") for p in block if _local(p.tag) == "Pupil"]
    if not pupils:
        raise ImportError_("The Common Transfer File has no pupils in it")
    if len(pupils) > MAX_ROWS:
        raise ImportError_(f"The file has more than {MAX_ROWS:,} pupils")
    rows = []
    for number, pupil in enumerate(pupils, start=1):
        row = {
            "row": number,
            "upn": _child_text(pupil, "UPN"),
            "last_name": _child_text(pupil, "Surname"),
            "first_name": _child_text(pupil, "Forename"),
            "date_of_birth": _child_text(pupil, "DOB"),
            "year_group": _child_text(pupil, "NCyearActual"),
            "gender": _child_text(pupil, "Gender"),
            "contacts": [],
        }
        preferred = _child_text(pupil, "PreferredForename")
        if preferred and preferred != row["first_name"]:
            row["preferred_name"] = preferred
        uln = _child_text(pupil, "UniqueLearnerNumber") or _child_text(pupil, "ULN")
        if uln:
            row["uln"] = uln
        for contact in _descendants(pupil, "Contact"):
            name = " ".join(p for p in (_child_text(contact, "Forename"), _child_text(contact, "Surname")) if p)
            if not name:
                continue
            phones = {"mobile_phone": "", "home_phone": "", "work_phone": ""}
            for phone in _descendants(contact, "Phone"):
                kind = {"M": "mobile_phone", "H": "home_phone", "W": "work_phone"}.get(
                    _child_text(phone, "TelephoneType").upper()[:1], "home_phone"
                )
                phones[kind] = phones[kind] or _child_text(phone, "PhoneNo")
            email = ""
            for mail in _descendants(contact, "Email"):
                email = _child_text(mail, "EmailAddress") or (mail.text or "").strip()
                if email:
                    break
            address = ""
            for block in _descendants(contact, "Address"):
                address = ", ".join(t.strip() for t in block.itertext() if t.strip())
                break
            code = _child_text(contact, "Relationship").upper()
            order = _child_text(contact, "Order")
            row["contacts"].append(
                {
                    "name": name[:120],
                    "relationship": CTF_RELATIONSHIPS.get(code, code.title())[:40],
                    "email": email[:254].lower(),
                    "address": address[:500],
                    "parental_responsibility": _child_text(contact, "Responsibility").lower() in ("true", "1", "yes"),
                    "priority": int(order) if order.isdigit() and int(order) < 100 else len(row["contacts"]) + 1,
                    **{k: v[:40] for k, v in phones.items()},
                }
            )
        rows.append(row)
    return rows


def guess_mapping(headings: list[str], saved: dict) -> dict:
    """Our field -> their column: the saved mapping where its columns are present, else by name."""
    lowered = {h.strip().lower(): h for h in headings}
    mapping = {}
    for name, _ in MAPPABLE:
        if saved.get(name) in headings:
            mapping[name] = saved[name]
            continue
        for alias in ALIASES.get(name, []):
            if alias in lowered:
                mapping[name] = lowered[alias]
                break
    return mapping


def csv_rows(headings: list[str], rows: list[list[str]], mapping: dict) -> list[dict]:
    index = {name: headings.index(column) for name, column in mapping.items() if column in headings}
    out = []
    for number, cells in enumerate(rows, start=2):  # row 1 is the headings

        def cell(name, cells=cells):
            i = index.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        row = {"row": number, "contacts": []}
        for name, _ in PUPIL_FIELDS:
            if name in index:
                row[name] = cell(name)
        for n in (1, 2):
            name = cell(f"contact{n}_name")
            if name:
                row["contacts"].append(
                    {
                        "name": name[:120],
                        "relationship": cell(f"contact{n}_relationship")[:40],
                        "mobile_phone": cell(f"contact{n}_phone")[:40],
                        "email": cell(f"contact{n}_email")[:254].lower(),
                        "priority": n,
                    }
                )
        out.append(row)
    return out


# --- typed values and the plan ----------------------------------------------------------------------


def parse_date(text: str) -> date | None:
    text = text.strip()
    # Reading what information systems export (never how the app writes a date).
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):  # reads-numeric-dates
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_year(text: str) -> int | None:
    text = text.strip().lower()
    if text in ("r", "reception", "year r", "yr"):
        return 0
    match = re.fullmatch(r"(?:year\s*|y)?(\d{1,2})", text)
    if match and 0 <= int(match.group(1)) <= 14:
        return int(match.group(1))
    return None


def parse_gender(text: str) -> str | None:
    value = text.strip().upper()
    if not value:
        return ""
    return {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F", "X": "X", "U": "X", "O": "X", "OTHER": "X"}.get(value)


@dataclass
class PlanRow:
    row: int
    upn: str
    name: str
    kind: str = "new"  # new, changed, unchanged, problem
    problems: list[str] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    contacts: list[dict] = field(default_factory=list)
    student_id: int | None = None


@dataclass
class Plan:
    rows: list[PlanRow]

    def of(self, kind: str) -> list[PlanRow]:
        return [r for r in self.rows if r.kind == kind]

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(self.of(kind)) for kind in ("new", "changed", "unchanged", "problem")}


def _typed(raw: dict, today: date) -> tuple[dict, list[str]]:
    values, problems = {}, []
    upn = (raw.get("upn") or "").strip().upper()
    if not upn:
        problems.append("No UPN")
    else:
        problem = upn_problem(upn)
        if problem:
            problems.append(f"Bad UPN “{upn}”: {problem[0].lower() + problem[1:]}")
    values["upn"] = upn
    for name, limit in (("first_name", 80), ("last_name", 80), ("preferred_name", 80)):
        if name in raw:
            if len(raw[name]) > limit:
                problems.append(f"{LABELS[name]} is longer than {limit} characters")
            values[name] = raw[name][:limit]
    if "date_of_birth" in raw and raw["date_of_birth"]:
        dob = parse_date(raw["date_of_birth"])
        if dob is None:
            problems.append(f"Date of birth “{raw['date_of_birth']}” is not a date (use 27/03/2012 or 2012-03-27)")
        elif dob > today:
            problems.append("Date of birth is in the future")
        else:
            values["date_of_birth"] = dob
    else:
        problems.append("No date of birth")
    if raw.get("year_group"):
        year = parse_year(raw["year_group"])
        if year is None:
            problems.append(f"Year group “{raw['year_group']}” is not a year from Reception to 14")
        else:
            values["year_group"] = year
    if "gender" in raw:
        gender = parse_gender(raw["gender"])
        if gender is None:
            problems.append(f"Gender “{raw['gender']}” is not M, F or X")
        else:
            values["gender"] = gender
    if raw.get("uln"):
        if re.fullmatch(r"\d{10}", raw["uln"]):
            values["uln"] = raw["uln"]
        else:
            problems.append(f"ULN “{raw['uln']}” is not 10 digits")
    return values, problems


def _contact_changes(student: Student | None, contacts: list[dict]) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """The contacts to add or update for this pupil, and how to describe them in the preview."""
    existing = {c.name.strip().lower(): c for c in (student.carers if student else [])}
    work, described = [], []
    for contact in contacts:
        match = existing.get(contact["name"].strip().lower())
        values = {k: v for k, v in contact.items() if k != "name" and v not in ("", None)}
        values.pop("priority", None) if match else None
        if "relationship" in values:
            values["relationship_to_pupil"] = values.pop("relationship")
        if match is None:
            work.append({"carer_id": None, "name": contact["name"], "values": values})
            described.append(("Parent or carer", "", f"{contact['name']} (new)"))
            continue
        differs = {k: v for k, v in values.items() if getattr(match, k) != v}
        if differs:
            work.append({"carer_id": match.id, "name": contact["name"], "values": differs})
            described.append(
                ("Parent or carer", match.name, f"{match.name}: new {', '.join(sorted(differs))}".replace("_", " "))
            )
    return work, described


def build_plan(raw_rows: list[dict], *, today: date | None = None) -> Plan:
    today = today or clock.today()
    plan_rows = []
    seen: dict[str, list[int]] = {}
    for raw in raw_rows:
        upn = (raw.get("upn") or "").strip().upper()
        if upn:
            seen.setdefault(upn, []).append(raw["row"])
    upns = [u for u in seen if not upn_problem(u)]
    existing = (
        {s.upn.upper(): s for s in db.session.scalars(select(Student).where(func.upper(Student.upn).in_(upns)))}
        if upns
        else {}
    )
    for raw in raw_rows:
        values, problems = _typed(raw, today)
        name = " ".join(p for p in (raw.get("first_name", ""), raw.get("last_name", "")) if p) or "(no name)"
        row = PlanRow(row=raw["row"], upn=values["upn"], name=name, problems=problems)
        if values["upn"] and len(seen.get(values["upn"], [])) > 1:
            others = ", ".join(str(n) for n in seen[values["upn"]] if n != raw["row"])
            row.problems.append(f"UPN {values['upn']} is also on row {others} of this file")
        student = existing.get(values["upn"])
        if student is None and not row.problems:
            for name_field in ("first_name", "last_name", "year_group"):
                if not values.get(name_field) and values.get(name_field) != 0:
                    row.problems.append(f"No {LABELS[name_field].lower()} for a new pupil")
        if row.problems:
            row.kind = "problem"
            plan_rows.append(row)
            continue
        row.values = values
        if student is None:
            row.kind = "new"
            row.contacts, _ = _contact_changes(None, raw.get("contacts", []))
        else:
            row.student_id = student.id
            for key, value in values.items():
                if getattr(student, key) != value:
                    old = getattr(student, key)
                    row.changes.append((LABELS.get(key, key), "" if old is None else str(old), str(value)))
            row.contacts, described = _contact_changes(student, raw.get("contacts", []))
            row.changes.extend(described)
            row.kind = "changed" if row.changes else "unchanged"
        plan_rows.append(row)
    return Plan(plan_rows)


# --- pending uploads -----------------------------------------------------------------------------


def saved_mapping() -> dict:
    settings = stored_settings()
    try:
        return json.loads(settings.import_mapping) if settings and settings.import_mapping else {}
    except ValueError:
        return {}


def remember_mapping(mapping: dict) -> None:
    settings = stored_settings()
    settings.import_mapping = json.dumps(mapping, sort_keys=True)


def store_upload(user, filename: str, data: bytes) -> PendingImport:
    """Read the file and keep it for this person; raises ImportError_ when it cannot be read."""
    if len(data) > MAX_BYTES:
        raise ImportError_("The file must be smaller than 5 MB")
    filename = (filename or "")[:255]
    looks_xml = data.lstrip()[:5] in (b"<?xml", b"<CTfi") or filename.lower().endswith(".xml")
    # Old uploads (past their day, or this person's earlier ones) are dropped.
    db.session.execute(
        delete(PendingImport).where(
            (PendingImport.created_at < clock.utcnow() - timedelta(hours=PENDING_HOURS))
            | (PendingImport.user_id == user.id)
        )
    )
    if looks_xml:
        pending = PendingImport(kind="ctf", rows=json.dumps(read_ctf(data)))
    else:
        headings, rows = read_csv(data)
        pending = PendingImport(kind="csv", columns=json.dumps(headings), rows=json.dumps(rows))
    pending.token = secrets.token_urlsafe(24)
    pending.user_id = user.id
    pending.created_at = clock.utcnow()
    pending.filename = filename
    db.session.add(pending)
    db.session.commit()
    return pending


def pending_or_404(user, token: str) -> PendingImport:
    from flask import abort

    if not token or len(token) > 64:
        abort(404)
    pending = db.session.scalar(
        select(PendingImport).where(
            PendingImport.token == token,
            PendingImport.user_id == user.id,
            PendingImport.created_at >= clock.utcnow() - timedelta(hours=PENDING_HOURS),
        )
    )
    if pending is None:
        abort(404)
    return pending


def raw_rows(pending: PendingImport) -> list[dict]:
    if pending.kind == "ctf":
        return json.loads(pending.rows)
    mapping = json.loads(pending.mapping or "{}")
    return csv_rows(json.loads(pending.columns), json.loads(pending.rows), mapping)


def plan_for(pending: PendingImport) -> Plan:
    return build_plan(raw_rows(pending))


def confirm(pending: PendingImport, *, actor) -> dict[str, int]:
    """Write the plan in one transaction: new pupils, changed details, new and updated carers."""
    plan = plan_for(pending)
    try:
        for row in plan.rows:
            if row.kind not in ("new", "changed"):
                continue
            if row.kind == "new":
                student = Student(
                    preferred_name="",
                    uln="",
                    gender="",
                    send_needs="",
                    diagnoses="",
                    medical_needs="",
                    medication="",
                    contact_restrictions="",
                    child_protection="none",
                    ehcp=False,
                    looked_after=False,
                )
                db.session.add(student)
                changes = apply_values(student, row.values)
                db.session.flush()
            else:
                student = db.session.get(Student, row.student_id)
                changes = apply_values(student, {k: v for k, v in row.values.items() if k != "upn"})
            for contact in row.contacts:
                if contact["carer_id"] is None:
                    carer = Carer(
                        student_id=student.id,
                        name=contact["name"],
                        relationship_to_pupil="",
                        mobile_phone="",
                        home_phone="",
                        work_phone="",
                        email="",
                        address="",
                        do_not_contact_reason="",
                        priority=1,
                    )
                    db.session.add(carer)
                else:
                    carer = db.session.get(Carer, contact["carer_id"])
                for key, value in contact["values"].items():
                    setattr(carer, key, value)
                changes[f"carer {contact['name']}"] = ["", ", ".join(sorted(contact["values"])) or "added"]
            record_change(student, "imported", changes, actor=actor, detail=pending.filename[:100])
        counts = plan.counts
        audit.record(
            "pupils_imported",
            "pending_import",
            pending.id,
            user=actor,
            detail=(
                f"{pending.kind} {pending.filename[:80]}: {counts['new']} new, "
                f"{counts['changed']} changed, {counts['unchanged']} unchanged, "
                f"{counts['problem']} with problems not imported"
            ),
        )
        db.session.delete(pending)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts
