"""``--now``, shared by every command that acts as of a moment: ISO time, UTC when no zone."""

from datetime import UTC, datetime

import pytest

from feedback.followups import cli as sla_cli
from feedback.followups.jobs import SweepResult
from tests.conftest import T0

COMMANDS = [["jobs", "run", "sla_sweep"], ["sla", "sweep"], ["demo", "--customers", "1"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_bad_now_is_refused_with_the_same_message_by_every_command(runner, command):
    result = runner.invoke(args=[*command, "--now", "next tuesday"])
    assert result.exit_code == 2
    assert "Invalid value for '--now': not an ISO date-time: next tuesday" in result.output


@pytest.fixture
def sweeps(monkeypatch):
    """The moments ``sla sweep`` was asked to sweep at."""
    seen = []
    monkeypatch.setattr(sla_cli, "sweep", lambda now: seen.append(now) or SweepResult())
    return seen


def test_a_now_without_a_zone_is_utc_and_one_with_a_zone_is_converted(runner, sweeps):
    assert runner.invoke(args=["sla", "sweep", "--now", "2026-03-02T09:00:00"]).exit_code == 0
    assert runner.invoke(args=["sla", "sweep", "--now", "2026-03-02T10:00:00+01:00"]).exit_code == 0
    assert sweeps == [datetime(2026, 3, 2, 9, tzinfo=UTC)] * 2
    assert all(now.tzinfo is UTC for now in sweeps)


def test_without_now_the_command_runs_as_of_the_current_time(runner, sweeps, monkeypatch):
    monkeypatch.setattr("feedback.core.cli.utcnow", lambda: T0)
    result = runner.invoke(args=["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert sweeps == [T0]
