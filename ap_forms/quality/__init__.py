"""Quality-assurance visits to providers, recorded with the AP Checklist."""
