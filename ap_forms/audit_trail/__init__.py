"""The headteacher's view of the audit log: who saw or changed what, per pupil and per user."""
