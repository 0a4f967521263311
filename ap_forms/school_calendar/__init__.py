"""The school calendar: school years, their terms, holidays and closure days."""
