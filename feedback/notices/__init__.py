"""Announcements, maintenance windows, backup notices and incidents."""
