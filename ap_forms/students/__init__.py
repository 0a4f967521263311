"""Pupils on the school's roll, and the parents and carers linked to them."""
