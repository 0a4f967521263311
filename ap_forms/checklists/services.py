"""Reading and publishing checklist versions. Published versions are never edited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ap_forms.checklists.kinds import get_kind
from ap_forms.checklists.models import ChecklistItem, ChecklistVersion
from ap_forms.extensions import db
from ap_forms.web import audit

MAX_ITEMS = 150


class ChecklistError(ValueError):
    """A version could not be published; the message is for the person publishing it."""


@dataclass(frozen=True)
class ItemDraft:
    section: str
    text: str
    hint: str = ""


def _require_kind(kind: str):
    found = get_kind(kind)
    if found is None:
        raise LookupError(f"unknown checklist kind {kind!r}")
    return found


def _latest(kind: str) -> ChecklistVersion | None:
    query = (
        select(ChecklistVersion)
        .where(ChecklistVersion.kind == kind)
        .order_by(ChecklistVersion.number.desc())
        .limit(1)
        .options(selectinload(ChecklistVersion.items))
    )
    return db.session.scalar(query)


def versions(kind: str) -> list[ChecklistVersion]:
    """Every published version of a kind, newest first (seeding the default if there is none)."""
    current_version(kind)
    query = (
        select(ChecklistVersion)
        .where(ChecklistVersion.kind == kind)
        .order_by(ChecklistVersion.number.desc())
        .options(selectinload(ChecklistVersion.published_by), selectinload(ChecklistVersion.items))
    )
    return list(db.session.scalars(query))


def get_version(kind: str, number: int) -> ChecklistVersion | None:
    query = (
        select(ChecklistVersion)
        .where(ChecklistVersion.kind == kind, ChecklistVersion.number == number)
        .options(selectinload(ChecklistVersion.items))
    )
    return db.session.scalar(query)


def current_version(kind: str) -> ChecklistVersion:
    """The newest version of a kind. The first time a kind is used, its default items are
    seeded as version 1 (committed at once, so it is shared by everyone from then on)."""
    latest = _latest(kind)
    if latest is not None:
        return latest
    defaults = _require_kind(kind).default_items
    version = _new_version(kind, 1, [ItemDraft(*item) for item in defaults], notes="Default items.", actor=None)
    try:
        db.session.commit()
    except IntegrityError:  # another request seeded it a moment ago
        db.session.rollback()
        return _latest(kind)
    return version


def _new_version(kind: str, number: int, items: list[ItemDraft], *, notes: str, actor) -> ChecklistVersion:
    version = ChecklistVersion(kind=kind, number=number, notes=notes, published_by_id=getattr(actor, "id", None))
    for position, item in enumerate(items, start=1):
        version.items.append(ChecklistItem(section=item.section, text=item.text, hint=item.hint, position=position))
    db.session.add(version)
    db.session.flush()
    return version


def _clean(items: list[ItemDraft]) -> list[ItemDraft]:
    cleaned = []
    for item in items:
        text, section, hint = (" ".join((value or "").split()) for value in (item.text, item.section, item.hint))
        if not text:
            continue  # a blank row is an item left out
        if not section:
            raise ChecklistError(f"Enter a section for “{text[:60]}”")
        cleaned.append(ItemDraft(section=section[:120], text=text[:300], hint=hint[:300]))
    return cleaned


def _grouped_by_section(items: list[ItemDraft]) -> list[ItemDraft]:
    """Keep each section's items together (a new item added at the end joins its section),
    so item numbers run in order down the page."""
    first_seen: dict[str, int] = {}
    for item in items:
        first_seen.setdefault(item.section, len(first_seen))
    return sorted(items, key=lambda item: first_seen[item.section])


def publish_version(kind: str, items: list[ItemDraft], *, notes: str = "", actor=None) -> ChecklistVersion:
    """Publish the next version of a kind with these items. Earlier versions (and every answer
    given against them) stay exactly as they were."""
    _require_kind(kind)
    items = _grouped_by_section(_clean(items))
    if not items:
        raise ChecklistError("A checklist needs at least one item")
    if len(items) > MAX_ITEMS:
        raise ChecklistError(f"A checklist can have at most {MAX_ITEMS} items")
    current = current_version(kind)
    if [ItemDraft(i.section, i.text, i.hint) for i in current.items] == items:
        raise ChecklistError("Nothing has changed since the current version: change an item before publishing")
    number = (
        db.session.scalar(select(func.max(ChecklistVersion.number)).where(ChecklistVersion.kind == kind)) or 0
    ) + 1
    version = _new_version(kind, number, items, notes=(notes or "").strip()[:2000], actor=actor)
    audit.record("checklist_published", "checklist_version", version.id, detail=f"{kind} version {number}", user=actor)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ChecklistError("Someone else published a new version just now. Reload the page and check it.") from None
    return version
