"""Tests for the JSON API v1."""
