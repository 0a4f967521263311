"""Safeguarding concerns, allegations about adults, serious incidents and health & safety breaches."""
