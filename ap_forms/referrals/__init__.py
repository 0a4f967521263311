"""Referrals: the Alternative Provision Referral Form, its approval, and the placement it creates."""
