"""E-mail links follow the port the app is served on when ``BASE_URL`` is unset."""

import shlex
import subprocess
from pathlib import Path

import click
import pytest
from flask.cli import run_command

from config import base_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("BASE_URL", "FLASK_RUN_HOST", "FLASK_RUN_PORT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _make_run_env(*args: str) -> list[dict[str, str]]:
    """The environment each flask step of ``make run`` gets (read from ``make -n``)."""
    out = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    steps = []
    for line in out.stdout.splitlines():
        words = shlex.split(line)
        if " --app wsgi " in line and "translate" not in words:
            steps.append(dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-")))
    return steps


@pytest.mark.parametrize(
    ("args", "expected"), [((), "http://127.0.0.1:5000"), (("PORT=5101",), "http://127.0.0.1:5101")]
)
def test_make_run_points_mail_links_at_its_port(clean_env, args, expected):
    steps = _make_run_env(*args)
    assert len(steps) == 3  # db upgrade, demo (renders mail), run (the worker renders mail)
    for env in steps:
        for name, value in env.items():
            clean_env.setenv(name, value)
        assert base_url() == expected


def test_flask_run_port_option_sets_the_links(clean_env):
    with click.Context(run_command, info_name="run") as ctx:
        ctx.params = {"host": "127.0.0.1", "port": 5101, "cert": None}
        assert base_url() == "http://127.0.0.1:5101"
        ctx.params = {"host": "0.0.0.0", "port": 8000, "cert": None}
        assert base_url() == "http://127.0.0.1:8000"  # a browser cannot open 0.0.0.0


def test_base_url_wins_and_the_default_stays(clean_env):
    assert base_url() == "http://127.0.0.1:5000"
    clean_env.setenv("FLASK_RUN_HOST", "::1")
    clean_env.setenv("FLASK_RUN_PORT", "5200")
    assert base_url() == "http://[::1]:5200"
    clean_env.setenv("BASE_URL", "https://feedback.example.com")
    with click.Context(run_command, info_name="run") as ctx:
        ctx.params = {"host": "127.0.0.1", "port": 5101, "cert": None}
        assert base_url() == "https://feedback.example.com"
