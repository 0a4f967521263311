"""Providers: the off-site settings the school commissions."""
