"""Support teams and their business-hours calendars."""
