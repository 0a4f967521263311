"""Nothing of one school reaches another's (issue 17): records planted in two schools of a trust, then
every list, board, export, PDF, calendar feed, alert email and reminder read as each school's staff
holds only that school's. School A's records carry "Alder…" names, school B's "Birch…" names; a page is
read for both, so the check fails if either school's records go missing as well as if they leak."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from ap_forms.attendance.models import RegisterEntry
from ap_forms.extensions import db
from ap_forms.oversight.models import ApBudget
from ap_forms.placements.services import create_feed
from ap_forms.providers.models import ServiceAgreement
from ap_forms.school_calendar.models import HOLIDAY, Closure
from ap_forms.web import tenancy
from tests import factories as f

STAFF_ROLES = ("headteacher", "send_lead", "dsl", "office", "staff", "admin")
MON = date(2026, 11, 23)  # a Monday in both schools' autumn term; the placements run on Mondays


@dataclass
class School:
    """One school's planted records and the words that show them on a page."""

    tag: str  # "Alder" or "Birch"
    school: object
    users: dict = field(default_factory=dict)
    pupil: object = None
    old_pupil: object = None
    placement: object = None
    referral: object = None
    visit: object = None
    concern: object = None
    incident: object = None
    parent: object = None
    feed_token: str = ""
    words: list = field(default_factory=list)  # every distinctive word of this school's records

    def ids(self) -> dict:
        return {
            "pupil": self.pupil.id,
            "placement": self.placement.id,
            "referral": self.referral.id,
            "visit": self.visit.id,
            "concern": self.concern.id,
            "incident": self.incident.id,
        }


@dataclass
class Trust:
    a: School
    b: School
    provider: object
    key_worker: object  # works at the shared provider: pupils in both schools
    parent_of_both: object  # a child in each school


def _plant(school, tag: str, provider, key_worker, *, other_year: bool = False) -> School:
    """A school's comparable records; everything distinctive is named after `tag`."""
    s = School(tag, school)
    with tenancy.as_school(school.id):
        for role in STAFF_ROLES:
            s.users[role] = f.make_user(role, schools=[school], name=f"{role.title()} {tag}grove")
        year = f.make_school_year(2026)
        # Each school keeps its own calendar: B's autumn term starts a week later, with its own closures.
        if other_year:
            autumn = year.term("Autumn")
            autumn.start_date = date(2026, 9, 9)
        db.session.add(
            Closure(
                school_year_id=year.id,
                kind=HOLIDAY,
                name=f"{tag}brook training day",
                start_date=date(2026, 12, 4),
                end_date=date(2026, 12, 4),
            )
        )
        db.session.commit()
        lead = s.users["send_lead"]
        s.pupil = f.make_student(first_name=f"{tag}ina", last_name=f"{tag}wood", preferred_name=f"{tag}y")
        s.old_pupil = f.make_student(
            first_name="Olive",
            last_name=f"{tag}moor",
            date_of_birth=date(1994, 3, 1),
            left_on=date(2010, 7, 20),
            send_needs="Autism",
            child_protection="previous_cp",
        )
        f.make_carer(s.pupil, name=f"Carla {tag}man", email=f"carla@{tag.lower()}.example")
        s.parent = f.make_user("parent", name=f"Paula {tag}ley")
        f.link_parent(s.parent, s.pupil)
        s.placement = f.make_placement(s.pupil, provider, key_worker, baseline_attendance_percent=50.0)
        s.referral = f.make_referral(
            s.pupil, provider, lead, status="submitted", expected_outcomes=f"{tag}field outcomes"
        )
        f.make_mark(s.placement, date(2026, 11, 16), "AM", "absent", by=key_worker, absence_reason="ill")
        f.make_mark(s.placement, date(2026, 11, 18), "AM", "present", by=key_worker)
        db.session.add(
            RegisterEntry(
                placement_id=s.placement.id,
                day=date(2026, 11, 16),
                session="AM",
                code="B",
                recorded_by_id=s.users["office"].id,
                recorded_at=datetime(2026, 11, 16, 10),
            )
        )
        f.make_feedback(s.placement, key_worker, year)
        s.visit = f.complete_visit(
            f.record_visit(provider, lead, date(2026, 11, 10)),
            lead,
            actions=[(f"{tag}stone gate to be mended", "provider", date(2026, 12, 10))],
        )
        s.concern = f.make_report(
            "concern",
            key_worker,
            s.pupil,
            pupil_safe="yes",
            description=f"{tag}ridge concern about home",
        )
        s.incident = f.make_report(
            "behaviour",
            key_worker,
            s.pupil,
            physical_intervention="no",
            parents_told="yes",
            description=f"{tag}ridge incident in the yard",
        )
        f.make_report("health_safety", key_worker, None, location=f"{tag}ridge workshop", riddor="no")
        db.session.add(ApBudget(start_year=2026, amount=Decimal("12345.00"), notes=f"{tag}bury budget", set_by_id=None))
        agreement = db.session.scalar(select(ServiceAgreement).where(ServiceAgreement.provider_id == provider.id))
        if agreement is None:
            agreement = ServiceAgreement(
                provider_id=provider.id,
                start_date=date(2026, 9, 1),
                end_date=date(2027, 8, 31),
                school_signed_on=date(2026, 9, 1),
                provider_signed_on=date(2026, 9, 1),
                cost_basis="session",
                rate=Decimal("85.00"),
            )
            db.session.add(agreement)
        agreement.terms = f"{tag}cote agreed terms"
        db.session.commit()
        s.feed_token = create_feed(s.parent, s.pupil.id).token
    s.words = [
        s.pupil.last_name,
        s.pupil.upn,
        s.old_pupil.last_name,
        f"Carla {tag}man",
        f"Paula {tag}ley",
        f"{tag}grove",
        f"{tag}brook",
        f"{tag}field",
        f"{tag}stone",
        f"{tag}ridge",
        f"{tag}bury",
        f"{tag}cote",
    ]
    return s


@pytest.fixture
def trust(app) -> Trust:
    first = f.first_school()
    first.name = "Alder School"
    db.session.commit()
    second = f.make_school("Birch School")
    provider = f.make_provider(name="Shared Farm")  # providers are the trust's: both schools use it
    key_worker = f.make_user("key_worker", provider_id=provider.id, name="Kit Sharedworker")
    with tenancy.as_school(first.id):
        f.clear_provider(provider, on=date(2026, 9, 1))
    a = _plant(first, "Alder", provider, key_worker)
    b = _plant(second, "Birch", provider, key_worker, other_year=True)
    both = f.make_user("parent", name="Pat Bothschools")
    f.link_parent(both, a.pupil)
    f.link_parent(both, b.pupil)
    return Trust(a, b, provider, key_worker, both)


# --- reading what a page holds ---------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def text_of(response) -> str:
    """Everything a response says, whatever its kind: HTML, CSV, iCal, a PDF, a zip of them."""
    data = response.data
    if data.startswith(b"%PDF"):
        return _pdf_text(data)
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = []
            for name in archive.namelist():
                content = archive.read(name)
                parts.append(_pdf_text(content) if content.startswith(b"%PDF") else content.decode("utf-8", "replace"))
            return "\n".join(parts)
    text = data.decode("utf-8-sig", "replace")
    if response.mimetype == "text/calendar":
        text = text.replace("\r\n ", "")  # unfold iCal lines
    return text


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def links_of(html: str, base: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.links:
        url = urlsplit(urljoin(base, href))
        if url.netloc not in ("", "localhost") or not url.path.startswith("/"):
            continue
        found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


def leaked(text: str, school: School) -> list[str]:
    return [word for word in school.words if re.search(rf"\b{re.escape(word)}\b", text)]


# Every page that lists or adds up records, and every export (a crawl from these follows every link on
# them too: pupils, placements, visits, reports, compliance rows, PDFs...).
SEEDS = [
    "/",
    "/pupils/",
    "/providers/",
    "/referrals/",
    "/attendance/",
    "/attendance/board",
    "/attendance/board?day=2026-11-16",
    "/attendance/export",
    "/attendance/export?start=1&start=11&start=2026&end=30&end=11&end=2026",
    "/attendance/export?start=1&start=11&start=2026&end=30&end=11&end=2026&check=1",
    "/feedback",
    "/quality/",
    "/quality/actions",
    "/quality/visits/new",
    "/reports/",
    "/safeguarding/",
    "/incidents/",
    "/oversight/compliance",
    "/oversight/value",
    "/oversight/value/budget",
    "/oversight/reports",
    "/oversight/ofsted",
    "/oversight/census",
    "/oversight/census.csv",
    "/audit/",
    "/audit/export.csv",
    "/retention/",
    "/calendar/",
    "/admin/confirmations",
    "/admin/settings",
]
# Links not to follow: they change something on GET-less pages, or lead out of the school's records.
SKIP = re.compile(r"^/(static/|logout|login|school$|account|healthz|readyz|admin/users)")
MAX_PAGES = 250
# A QA visit one school signs off counts for the trust's provider record: another school's leaders read it
# (who went, and actions addressed to the provider), never its pupils (tests/test_providers_shared.py).
SHARED_PAGES = re.compile(r"^/(quality/visits/\d+|providers/\d+|quality/)$")
SHARED_WORDS = ("grove", "stone")  # staff names, the provider's action
PER_SHAPE = 3  # of the links that differ only in ids or query values (a month, a day, a page): the first few


def _shape(path: str) -> str:
    where, _, query = path.partition("?")
    keys = sorted(part.split("=")[0] for part in query.split("&") if part)
    return re.sub(r"\d+", "N", where) + "?" + "&".join(keys)


def crawl(client, school: School, other: School, extra: tuple = ()) -> dict[str, str]:
    """Every page reachable from the seeds for the signed-in person: {path: text}. Fails on a 500, on
    any of `other`'s words, and on any of `other`'s record ids answering anything but 404/403."""
    seen: dict[str, str] = {}
    queue = [*SEEDS, *extra]
    shapes: dict[str, int] = {}
    problems = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or SKIP.match(path):
            continue
        shape = _shape(path)
        shapes[shape] = shapes.get(shape, 0) + 1
        if shapes[shape] > PER_SHAPE and path not in SEEDS and path not in extra:
            continue
        response = client.get(path)
        seen[path] = ""
        if response.status_code >= 500:
            problems.append(f"{path}: {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        text = seen[path] = text_of(response)
        if words := [w for w in leaked(text, other) if not (SHARED_PAGES.match(path) and w.endswith(SHARED_WORDS))]:
            problems.append(f"{path}: {words}")
        if response.mimetype == "text/html":
            queue.extend(links_of(text, path))
    assert not problems, "\n".join(problems)
    return seen


def other_schools_ids_are_404(client, other: School) -> None:
    ids = other.ids()
    for path in (
        f"/pupils/{ids['pupil']}",
        f"/pupils/{ids['pupil']}/chronology",
        f"/pupils/{ids['pupil']}/subject-access",
        f"/attendance/pupils/{ids['pupil']}",
        f"/placements/{ids['placement']}",
        f"/attendance/placements/{ids['placement']}",
        f"/referrals/{ids['referral']}",
        f"/referrals/{ids['referral']}/pdf",
        # The signed-off visit's page is a shared read (SHARED_PAGES); its report, which names pupils, is not.
        f"/quality/visits/{ids['visit']}/report.pdf",
        f"/safeguarding/{ids['concern']}",
        f"/incidents/{ids['incident']}",
        f"/reports/{ids['incident']}",
    ):
        assert client.get(path).status_code in (403, 404), path


def _shows_own(pages: dict[str, str], own: School, expected: dict[str, str]) -> None:
    """The pages a role reaches do show its own school's records (so the check above is not vacuous)."""
    for path, word in expected.items():
        assert path in pages and pages[path], f"{path} not reached"
        assert re.search(rf"\b{re.escape(word)}\b", pages[path]), f"{path} does not show {word}"


# What each role's own pages must show (school A's, or school B's from the other side).
def _expected(role: str, s: School) -> dict[str, str]:
    tag = s.tag
    pupil = s.pupil.last_name
    leaders = role in ("headteacher", "send_lead")
    expected = {}
    if role in ("headteacher", "send_lead", "dsl", "office", "staff", "admin"):
        expected["/pupils/"] = pupil
    if role in ("headteacher", "send_lead", "dsl"):
        expected["/referrals/"] = pupil
        expected["/quality/actions"] = f"{tag}stone"
        expected["/retention/"] = s.old_pupil.last_name
    if role in ("headteacher", "send_lead", "dsl", "office"):
        expected["/attendance/board?day=2026-11-16"] = pupil
        expected["/attendance/export?start=1&start=11&start=2026&end=30&end=11&end=2026"] = s.pupil.upn
    if role in ("headteacher", "dsl"):
        expected["/safeguarding/"] = pupil
    if leaders:
        expected["/incidents/"] = pupil
        expected["/oversight/census.csv"] = pupil
        expected[f"/providers/{s.placement.provider_id}"] = f"{tag}cote"
    if role == "headteacher":
        expected["/audit/export.csv"] = f"{tag}grove"
        expected["/oversight/value/budget"] = f"{tag}bury"
    return expected


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_school_a_staff_see_only_school_a(trust, client, auth, app, role):
    app.config["FROZEN_NOW"] = "2026-11-26T10:30"
    a, b = trust.a, trust.b
    auth.as_user(a.users[role])
    extra = (f"/pupils/{a.pupil.id}/subject-access",)
    pages = crawl(client, a, b, extra)
    _shows_own(pages, a, _expected(role, a))
    other_schools_ids_are_404(client, b)


@pytest.mark.parametrize("role", ("headteacher", "send_lead", "dsl", "office"))
def test_school_b_staff_see_only_school_b(trust, client, auth, app, role):
    app.config["FROZEN_NOW"] = "2026-11-26T10:30"
    a, b = trust.a, trust.b
    auth.as_user(b.users[role])
    pages = crawl(client, b, a, (f"/pupils/{b.pupil.id}/subject-access",))
    _shows_own(pages, b, _expected(role, b))
    other_schools_ids_are_404(client, a)


def test_the_governors_report_pdf_holds_only_its_schools_figures(trust, client, auth, app):
    app.config["FROZEN_NOW"] = "2026-11-26T10:30"
    for own, other in ((trust.a, trust.b), (trust.b, trust.a)):
        auth.as_user(own.users["headteacher"])
        assert client.post("/oversight/reports").status_code in (302, 303)
        page = client.get("/oversight/reports").get_data(as_text=True)
        pdfs = re.findall(r'href="(/oversight/reports/\d+\.pdf)"', page)
        assert len(pdfs) == 1, pdfs  # the other school's report is not listed
        text = text_of(client.get(pdfs[0]))
        assert own.school.name in text and other.school.name not in text
        assert "Pupils in alternative provision fewer than 5" in text
        assert not leaked(text, other)
        assert not [w for w in own.words[:5] if w in text]  # aggregate only: no pupil's or family's name
        auth.logout()


def test_each_parents_calendar_feed_holds_only_their_schools_calendar(trust, app):
    anonymous = app.test_client()
    for own, other in ((trust.a, trust.b), (trust.b, trust.a)):
        feed = anonymous.get(f"/calendar/{own.feed_token}.ics")
        assert feed.status_code == 200
        text = text_of(feed)
        assert own.school.name in text and other.school.name not in text
        assert f"{own.tag}brook" in text or "Animal care" in text
        assert not leaked(text, other)


def test_a_key_worker_with_pupils_in_both_schools_sees_each_school_apart(trust, client, auth, app):
    app.config["FROZEN_NOW"] = "2026-11-26T10:30"
    kw = trust.key_worker
    auth.as_user(kw)
    choice = client.get("/school").get_data(as_text=True)
    assert "Alder School" in choice and "Birch School" in choice
    for own, other in ((trust.a, trust.b), (trust.b, trust.a)):
        assert client.post("/school", data={"school": str(own.school.id)}).status_code == 302
        pages = crawl(client, own, other, ("/attendance/register", "/providers/mine", f"/pupils/{own.pupil.id}"))
        assert own.pupil.last_name in pages[f"/pupils/{own.pupil.id}"]
        assert own.pupil.last_name in pages["/feedback"]
        assert f"{own.tag}stone" in pages["/quality/actions"]
        assert client.get(f"/pupils/{other.pupil.id}").status_code == 404


def test_a_parent_with_a_child_in_each_school_sees_one_school_at_a_time(trust, client, auth, app):
    app.config["FROZEN_NOW"] = "2026-11-26T10:30"
    auth.as_user(trust.parent_of_both)
    for own, other in ((trust.a, trust.b), (trust.b, trust.a)):
        assert client.post("/school", data={"school": str(own.school.id)}).status_code == 302
        pages = crawl(client, own, other, (f"/attendance/pupils/{own.pupil.id}",))
        assert own.pupil.first_name in pages["/"] + pages["/attendance/"]
        assert client.get(f"/attendance/pupils/{other.pupil.id}").status_code == 404


# --- emails from the cron jobs ----------------------------------------------------------------------


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def _staff_emails(s: School) -> set[str]:
    return {u.email for u in s.users.values()}


def _check_mail(messages, trust: Trust) -> None:
    """Each email goes to one school's staff (or the shared key worker) and names nothing of the other."""
    for message in messages:
        to = set(message["To"].split(", "))
        text = message["Subject"] + "\n" + _body(message)
        staff_a, staff_b = to & _staff_emails(trust.a), to & _staff_emails(trust.b)
        assert not (staff_a and staff_b), f"{message['Subject']} went to both schools' staff: {to}"
        if staff_b:
            assert not leaked(text, trust.a) and trust.a.school.name not in text, text
        if staff_a:
            assert not leaked(text, trust.b) and trust.b.school.name not in text, text


def test_attendance_alerts_go_to_each_schools_own_office_and_dsl(trust, runner, smtp_server):
    for s in (trust.a, trust.b):
        f.make_mark(s.placement, MON, "AM", "absent", by=trust.key_worker, at=datetime(2026, 11, 23, 9, 40).time())
    result = runner.invoke(args=["attendance-alerts", "--now", "2026-11-23T09:55"])
    assert result.exit_code == 0, result.output
    assert "Alder School: " in result.output and "Birch School: " in result.output
    office = [m for m in smtp_server.messages if "absence" in m["Subject"].lower()]
    assert {m["To"] for m in office} == {trust.a.users["office"].email, trust.b.users["office"].email}
    result = runner.invoke(args=["attendance-alerts", "--now", "2026-11-23T16:05"])
    assert result.exit_code == 0, result.output
    follow_ups = smtp_server.messages[len(office) :]
    assert len(follow_ups) == 2
    for s in (trust.a, trust.b):
        [mine] = [m for m in follow_ups if s.users["office"].email in m["To"]]
        assert set(mine["To"].split(", ")) == {s.users["office"].email, s.users["dsl"].email}
    _check_mail(smtp_server.messages, trust)


def test_cut_off_reminders_go_to_the_key_worker_once_for_each_school(trust, runner, smtp_server):
    result = runner.invoke(args=["attendance-alerts", "--now", "2026-11-23T10:05"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in smtp_server.messages] == [trust.key_worker.email] * 2
    _check_mail(smtp_server.messages, trust)


def test_feedback_reminders_name_no_pupil_of_either_school(trust, runner, smtp_server):
    result = runner.invoke(args=["send-reminders", "--today", "2026-11-28"])
    assert result.exit_code == 0, result.output
    assert smtp_server.messages and {m["To"] for m in smtp_server.messages} == {trust.key_worker.email}
    for message in smtp_server.messages:
        text = _body(message)
        assert not leaked(text, trust.a) and not leaked(text, trust.b)
    _check_mail(smtp_server.messages, trust)


def test_safeguarding_escalations_go_to_each_schools_own_dsl_and_headteacher(trust, runner, smtp_server):
    from ap_forms.incidents.models import Report

    sent = datetime(2026, 11, 23, 10, 0)
    for s in (trust.a, trust.b):
        with tenancy.as_school(s.school.id):
            report = db.session.get(Report, s.concern.id)
            report.submitted_at = sent  # sent this morning, opened by nobody
    db.session.commit()
    result = runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-23T10:30"])
    assert result.exit_code == 0, result.output
    # Every report whose alert was never sent is alerted now, and the unopened ones escalated (the concern,
    # the incident, the H&S breach, in each school): each to its own school's DSL and headteacher, or SEND
    # lead and headteacher.
    allowed = {}
    for s in (trust.a, trust.b):
        safeguarding = frozenset({s.users["dsl"].email, s.users["headteacher"].email})
        allowed[safeguarding] = allowed[frozenset({s.users["send_lead"].email, s.users["headteacher"].email})] = s.tag
    told = [(allowed.get(frozenset(m["To"].split(", "))), m["Subject"]) for m in smtp_server.messages]
    assert None not in {tag for tag, _ in told}, told
    for tag in ("Alder", "Birch"):
        assert (tag, "Not opened after 30 minutes: a safeguarding report is waiting") in told
    _check_mail(smtp_server.messages, trust)


def test_alerts_sent_at_once_go_to_the_reports_own_school(trust, client, auth, app, smtp_server):
    """A concern a key worker sends from school B's pupil: the alert goes to B's DSL and headteacher only."""
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"
    from ap_forms.incidents.alerts import send_new_alert
    from ap_forms.incidents.models import Report

    with tenancy.as_school(trust.b.school.id):
        report = db.session.get(Report, trust.b.concern.id)
        send_new_alert(report, now=datetime(2026, 11, 23, 10, 30))
    [message] = smtp_server.messages
    assert set(message["To"].split(", ")) == {trust.b.users["dsl"].email, trust.b.users["headteacher"].email}
    _check_mail(smtp_server.messages, trust)


def test_the_user_list_holds_only_the_schools_people(trust, client, auth):
    auth.as_user(trust.a.users["admin"])
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Aldergrove" in page and not leaked(page, trust.b)


def test_visit_staff_choices_are_the_schools_own(trust, client, auth, app):
    app.config["FROZEN_NOW"] = "2026-11-26T10:30"
    auth.as_user(trust.a.users["send_lead"])
    page = client.get("/quality/visits/new").get_data(as_text=True)
    assert "Aldergrove" in page and "Birchgrove" not in page


def test_a_placement_ending_is_told_to_its_own_schools_leaders(trust):
    from ap_forms.placements.models import PLANNED_END, PlacementEnding
    from ap_forms.placements.services import ending_emails

    b = trust.b
    with tenancy.as_school(b.school.id):
        ending = PlacementEnding(
            placement=b.placement, ended_on=date(2026, 12, 18), kind=PLANNED_END, recorded_by=b.users["send_lead"]
        )
        emails = ending_emails(b.placement, ending, school_name=b.school.name)
    leaders, subject, body = emails[0]
    assert set(leaders) == {b.users["dsl"].email, b.users["headteacher"].email}
    assert b.pupil.last_name in subject and not leaked(subject + body, trust.a)
    for to, _subject, text in emails[1:]:
        assert not set(to) & {u.email for u in trust.a.users.values()} and b.school.name in text
