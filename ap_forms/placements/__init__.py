"""Placements: a pupil at a provider with a key worker and an agreed weekly timetable."""
