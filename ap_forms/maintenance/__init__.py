"""Keeping the data safe: consistent backups and checked restores."""
