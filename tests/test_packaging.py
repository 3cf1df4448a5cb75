"""The wheel carries everything the app needs at run time: templates/ and migrations/ (kept at
the top of the repository, force-included into the package by hatchling), the vendored static
files, the reference data and the compiled translations. Built with `pip wheel` (build
isolation: about 5 s here)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

REQUIRED = [
    "coalition/__init__.py",
    "coalition/templates/base.html",
    "coalition/templates/accounts/login.html",
    "coalition/templates/organisations/show.html",
    "coalition/migrations/env.py",
    "coalition/migrations/alembic.ini",
    "coalition/migrations/script.py.mako",
    "coalition/static/vendor/pico/pico.min.css",
    "coalition/static/app.css",
    "coalition/static/app.js",
    "coalition/reviews/data/states.csv",
    # The compiled zh-Hant catalogue (committed: `pip install` runs no build step), its source.
    "coalition/translations/zh_Hant/LC_MESSAGES/messages.mo",
    "coalition/translations/zh_Hant/LC_MESSAGES/messages.po",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("wheel")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
         "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    wheels = list(out.glob("coalition-*.whl"))
    assert len(wheels) == 1, wheels
    print(f"pip wheel took {elapsed:.1f} s")  # shown with -s / -rP
    yield wheels[0]


@pytest.fixture(scope="module")
def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_carries_templates_migrations_static_and_data(names: set[str]) -> None:
    missing = [name for name in REQUIRED if name not in names]
    assert not missing, f"missing from the wheel: {missing}"
    versions = [n for n in names
                if n.startswith("coalition/migrations/versions/") and n.endswith(".py")]
    assert versions, "no migration scripts in coalition/migrations/versions/"


def test_wheel_carries_every_template_and_migration_of_the_tree(names: set[str]) -> None:
    for top in ("templates", "migrations"):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                packaged = f"coalition/{top}/{path.relative_to(ROOT / top).as_posix()}"
                assert packaged in names, f"{packaged} is not in the wheel"


def test_wheel_leaves_out_caches_tests_and_instance(names: set[str]) -> None:
    stray = sorted(n for n in names if "__pycache__" in n or n.endswith(".pyc")
                   or n.startswith(("tests/", "instance/", "coalition/instance/")))
    assert not stray, stray
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert entry_points


def test_unpacked_wheel_runs_its_migrations_and_renders_pages(wheel: Path,
                                                              tmp_path: Path) -> None:
    """Import the package from the unpacked wheel (not the source tree): it must find its own
    templates and migrations, build the schema and serve the sign-in page."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    script = textwrap.dedent(f"""
        import coalition
        from pathlib import Path
        package = Path(coalition.__file__).resolve().parent
        assert package == Path({str(site / "coalition")!r}).resolve(), package
        assert coalition.resource_dir("templates") == package / "templates"
        assert coalition.resource_dir("migrations") == package / "migrations"
        from flask_migrate import upgrade
        app = coalition.create_app({{
            "TESTING": True, "SECRET_KEY": "packaging-test",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / 'wheel.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
        }})
        with app.app_context():
            upgrade()
        response = app.test_client().get("/login")
        assert response.status_code == 200, response.status_code
        assert b"Sign in" in response.data
        # The compiled catalogue travels in the wheel: a Hong Kong browser gets Chinese.
        chinese = app.test_client().get("/login", headers={{"Accept-Language": "zh-HK"}})
        assert '<html lang="zh-Hant">' in chinese.text and "登入" in chinese.text, chinese.text
        assert app.test_client().get("/static/vendor/pico/pico.min.css").status_code == 200
        print("wheel ok")
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, check=False,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "wheel ok" in result.stdout
