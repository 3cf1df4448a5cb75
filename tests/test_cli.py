"""The `coalition` command: demo, create-user, and refusing to serve without a SECRET_KEY."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from coalition import create_app
from coalition.accounts.models import User
from coalition.config import ConfigError


def test_production_refuses_to_start_without_secret_key(monkeypatch, db_url):
    for name in ("SECRET_KEY", "FLASK_DEBUG", "COALITION_DEMO"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": db_url})


def test_create_user_command(app, db, make_org):
    org = make_org("Hong Kong Unison", short_name="Unison")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "First@Example.org", "--name", "First Person",
                                 "--org", org.slug, "--role", "org_admin", "--coordinator",
                                 "--password-stdin"], input="a-long-first-password\n")
    assert result.exit_code == 0, result.output
    assert "Created first@example.org (coordinator) in unison as org_admin" in result.output
    db.session.expire_all()
    user = db.session.execute(select(User).where(User.email == "first@example.org")).scalar_one()
    assert user.is_coordinator and user.membership_in(org).role == "org_admin"


def test_create_user_refuses_bad_input_and_writes_nothing(app, db, make_user):
    make_user("taken@example.org")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "TAKEN@example.org", "--password-stdin"],
                           input="a-long-first-password\n")
    assert result.exit_code != 0 and "already exists" in result.output
    result = runner.invoke(args=["create-user", "new@example.org", "--org", "nowhere",
                                 "--password-stdin"], input="a-long-first-password\n")
    assert result.exit_code != 0 and "No organisation" in result.output
    db.session.expire_all()
    assert db.session.execute(select(User).where(User.email == "new@example.org")).first() is None
    result = runner.invoke(args=["create-user", "short@example.org", "--password-stdin"],
                           input="short\n")
    assert result.exit_code != 0 and "at least" in result.output


def run_cli(*args: str, env: dict[str, str], cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from coalition.cli import main; main()", *args],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_demo_seeds_once_and_prints_accounts(tmp_path):
    # The demo's promise is the embedded SQLite default, whichever database the suite tests.
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "FLASK_DEBUG", "FLASK_APP"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    first = run_cli("demo", "--no-serve", env=env, cwd=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert "Seeded the Hong Kong UPR Coalition demo" in first.stdout
    assert "coordinator@example.org" in first.stdout
    second = run_cli("demo", "--no-serve", env=env, cwd=str(tmp_path))
    assert "nothing seeded" in second.stdout


def test_help_lists_every_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = run_cli("--help", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    for command in ("demo", "create-user", "db", "routes"):
        assert command in result.stdout


def test_serving_without_a_secret_key_says_so_and_help_still_helps(tmp_path):
    """A new user's walk (issue 10): `coalition run --help` printed a traceback about
    SECRET_KEY; `coalition run` without it printed one too. Help is shown; serving is refused
    with the message alone."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "FLASK_DEBUG", "FLASK_APP"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    helped = run_cli("run", "--help", env=env, cwd=str(tmp_path))
    assert helped.returncode == 0, helped.stderr
    assert "Usage: coalition run" in helped.stdout
    refused = run_cli("run", env=env, cwd=str(tmp_path))
    assert refused.returncode == 2
    assert "Error: SECRET_KEY is not set" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_demo_coalition_has_the_steering_committee(app, db):
    from coalition.demo.services import seed_demo
    from coalition.organisations.models import Organisation

    assert seed_demo() is True
    db.session.commit()
    steering = set(db.session.execute(select(Organisation.name).where(
        Organisation.is_steering.is_(True))).scalars())
    assert len(steering) == 9
    assert {"Justice Centre Hong Kong", "PEN Hong Kong", "Pink Alliance"} <= steering
    coordinator = db.session.execute(select(User).where(
        User.email == "coordinator@example.org")).scalar_one()
    assert coordinator.is_coordinator
    assert coordinator.memberships[0].organisation.name == "Justice Centre Hong Kong"
    assert seed_demo() is False
