"""Composed pages: pages that show several domains' records, above every domain they show.

The domains import downwards (tests/test_layers.py), so the pupil page, which shows placements,
referrals and quality visits, cannot live in `students`. These modules add their routes to the
domain's own blueprint, so the endpoints keep their names (`students.pupil`, `providers.provider`,
`placements.placement`); create_app imports them before it registers the blueprints.
"""

from ap_forms.pages import placement, provider, pupil, school_choice  # noqa: F401  (adds the routes)
