"""Figures for the Ofsted pack (issue 12) that no other module reads."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time

from sqlalchemy import func, select

from ap_forms.extensions import db
from ap_forms.incidents.models import DRAFT, Report
from ap_forms.quality.services import year_bounds
from ap_forms.web import clock


def incident_counts(start_year: int) -> dict[int, dict[str, int]]:
    """{provider id: {kind: reports sent this school year}} in one query."""
    first, last = year_bounds(start_year)
    since, until = clock.to_utc(datetime.combine(first, time())), clock.to_utc(datetime.combine(last, time.max))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = db.session.execute(
        select(Report.provider_id, Report.kind, func.count())
        .where(
            Report.status != DRAFT,
            Report.provider_id.is_not(None),
            Report.submitted_at >= since,
            Report.submitted_at <= until,
        )
        .group_by(Report.provider_id, Report.kind)
    ).all()
    for provider_id, kind, count in rows:
        counts[provider_id][kind] = count
    return counts
