"""Daily attendance at provision: the provider's marks, the school register, parent contact, alerts."""
