"""A steering-committee member imports OHCHR's matrix for China's third review through the real
pages, in Chromium: upload, progress page polled by app.js, preview, confirmation, progress
again, done. Then the tracker: a full-text search, a position facet, a shareable URL, and a
recommendation's own page.

The import runs in the background, as in production: the app queues it on a real Huey queue
(SQLite) and a worker thread takes it from there. The job is held at a gate until the browser
has shown the progress page and polled the job's status, so the polling and the reload are
exercised every time, however fast the import is."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from coalition import tasks
from coalition.recommendations import jobs
from coalition.recommendations.models import Recommendation
from coalition.reviews.services import create_review
from tests.browser import require_playwright
from tests.conftest import PASSWORD

expect = require_playwright()

pytestmark = pytest.mark.browser

MATRIX = Path(__file__).resolve().parents[1] / "fixtures" / "China-UPR3-2018-A-HRC-40-6-matrix.docx"
STATUS_URL = re.compile(r"/imports/\d+/status$")
JOB_URL = re.compile(r"/imports/(\d+)$")
IMPORT_TIMEOUT = 60_000  # ms: the whole matrix, on a slow machine, on PostgreSQL


@pytest.fixture
def task_worker(app: Any, tmp_path: Path) -> Any:
    """The app on a real queue (SQLite, not immediate), and a worker thread running its
    tasks, as `coalition worker` does."""
    app.config.update(TASKS_IMMEDIATE=False, TASKS_REDIS_URL=None,
                      TASKS_SQLITE_PATH=str(tmp_path / "tasks.sqlite3"))
    huey = tasks.init_app(app)
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            task = huey.dequeue()
            if task is None:
                stop.wait(0.05)
            else:
                huey.execute(task)

    thread = threading.Thread(target=work, name="task-worker", daemon=True)
    thread.start()
    yield huey
    stop.set()
    thread.join(timeout=60)


class Gate:
    """Holds each import job before it writes, until the test lets it go."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.open = threading.Event()
        self.runs: list[bool] = []  # dry_run of each job run that reached the gate
        real = jobs.import_parsed

        def gated(*args: Any, **kwargs: Any) -> Any:
            self.runs.append(kwargs.get("dry_run", False))
            if not self.open.wait(timeout=60):
                raise RuntimeError("the test never opened the import gate")
            self.open.clear()  # one run per opening
            return real(*args, **kwargs)

        monkeypatch.setattr(jobs, "import_parsed", gated)


def link(scope: Any, name: str) -> Any:
    """A link by its exact text, whether or not it is styled as a button (role="button")."""
    return scope.get_by_role("link", name=name, exact=True).or_(
        scope.get_by_role("button", name=name, exact=True))


def sign_in(page: Any, email: str, password: str) -> None:
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def wait_on_progress_page(page: Any, gate: Gate, message: str, screenshot: Any = None,
                          name: str = "") -> None:
    """The job page shows the progress box and app.js polls the status; then let the job go."""
    expect(page).to_have_url(JOB_URL)
    progress = page.locator("#import-progress")
    expect(progress).to_be_visible()
    expect(progress).to_contain_text(message)
    # Nothing claims a result yet: no report, no confirmation button.
    expect(page.locator("#count-created")).to_have_count(0)
    expect(page.get_by_role("heading", name="Imported", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Confirm and import")).to_have_count(0)
    if screenshot:
        screenshot(page, name)
    # A poll seen while the job is held proves the page is polling, not done already.
    with page.expect_response(lambda r: STATUS_URL.search(r.url) is not None) as polled:
        pass
    assert polled.value.ok
    assert polled.value.json()["status"] in ("previewing", "importing")
    gate.open.set()


def results_total(page: Any) -> Any:
    return page.locator("section.results > p").first


def test_steering_member_imports_a_matrix_and_filters_the_tracker(
        make_org, make_user, db, task_worker, live_server, new_page, watch, screenshot,
        monkeypatch):
    steering = make_org("Steering Organisation", short_name="STE", is_steering=True)
    make_user("steering@example.org", steering, "editor", name="Sam Steering")
    review = create_review(None, "CHN", 3, session=31, report_symbol="A/HRC/40/6",
                           responses_symbol="A/HRC/40/6/Add.1")
    db.session.commit()
    review_title, review_id = review.title, review.id
    gate = Gate(monkeypatch)

    page = new_page()
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if STATUS_URL.search(r.url) else None)

    # --- sign in, then Reviews → Import recommendations ------------------------------------
    page.goto("/login")
    sign_in(page, "steering@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Sam Steering")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Reviews").click()
    link(page, "Import recommendations").click()
    expect(page).to_have_url(re.compile(r"/imports/new$"))
    expect(page.get_by_role("heading", name="Import recommendations", level=1)).to_be_visible()

    page.get_by_label("Review").select_option(label=review_title)
    expect(page.get_by_label("Review")).to_have_value(str(review_id))
    page.get_by_label("File").set_input_files(str(MATRIX))
    screenshot(page, "tracker-01-import-form")
    page.get_by_role("button", name="Upload and preview").click()

    # --- progress (polled), then the preview ---------------------------------------------
    wait_on_progress_page(page, gate, "Reading the file and checking every row",
                          screenshot, "tracker-02-preview-progress")
    job_url = page.url
    expect(page.get_by_role("heading", name="Preview: nothing is saved yet")).to_be_visible(
        timeout=IMPORT_TIMEOUT)
    expect(page.get_by_role("row", name=re.compile(r"^To create"))).to_contain_text("346")
    expect(page.locator("#count-created")).to_have_text("346")
    expect(page.locator("#count-errors")).to_have_text("0")
    expect(page.locator("#import-progress")).to_have_count(0)
    screenshot(page, "tracker-03-preview")
    assert db.session.execute(select(Recommendation.id).limit(1)).first() is None
    db.session.rollback()

    # --- confirm: progress again (polled), then done -------------------------------------
    page.get_by_role("button", name="Confirm and import").click()
    wait_on_progress_page(page, gate, "Importing")
    assert page.url == job_url
    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible(
        timeout=IMPORT_TIMEOUT)
    expect(page.locator("#import-progress")).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile(r"^Created"))).to_contain_text("346")
    expect(page.locator("#count-created")).to_have_text("346")
    screenshot(page, "tracker-04-done")
    assert gate.runs == [True, False]
    # app.js polled both runs and reloaded the job page when each finished.
    assert len(polls) >= 2
    assert watch.documents.count(job_url) >= 4, "\n".join(watch.documents)

    # What the tracker should find, from the database itself.
    recs = db.session.scalars(select(Recommendation).where(
        Recommendation.review_id == review_id)).all()
    hong_kong = {r.paragraph: r.position for r in recs if "hong kong" in r.text.casefold()}
    noted = sorted(p for p, position in hong_kong.items() if position == "noted")
    db.session.rollback()
    assert len(recs) == 346
    assert len(hong_kong) == 6
    assert noted == ["28.14"]

    # --- the tracker: search, then a facet -------------------------------------------------
    link(page, "Open the tracker").click()
    expect(page.get_by_role("heading", name="Recommendation tracker", level=1)).to_be_visible()
    expect(results_total(page)).to_have_text("346 recommendations")
    page.get_by_label("Search the recommendations' text").fill("Hong Kong")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results_total(page)).to_have_text("6 recommendations")
    expect(page.locator("article.recommendation")).to_have_count(6)

    position = page.locator("details").filter(
        has=page.locator("summary", has_text=re.compile(r"^Position$")))
    if position.get_attribute("open") is None:
        position.locator("summary").click()
    noted_box = position.get_by_role("checkbox", name=re.compile(r"^Noted \(\d+\)$"))
    expect(noted_box).to_have_accessible_name(f"Noted ({len(noted)})")
    noted_box.check()
    page.get_by_role("button", name="Apply filters").click()

    def shows_noted_hong_kong() -> None:
        total = f"{len(noted)} recommendation{'' if len(noted) == 1 else 's'}"
        expect(results_total(page)).to_have_text(total)
        expect(page.locator("article.recommendation header a")).to_have_text(noted)
        expect(page.get_by_label("Search the recommendations' text")).to_have_value("Hong Kong")
        expect(page.get_by_role("checkbox", name=re.compile(r"^Noted \("))).to_be_checked()
        expect(page.get_by_role("checkbox", name=re.compile(r"^Supported \("))
               ).not_to_be_checked()

    shows_noted_hong_kong()
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["Hong Kong"]
    assert query["position"] == ["noted"]
    screenshot(page, "tracker-05-filtered")

    # The URL is the whole state: reloading it, or opening it afresh, shows the same.
    filtered_url = page.url
    page.reload()
    shows_noted_hong_kong()
    page.goto("/tracker")
    expect(results_total(page)).to_have_text("346 recommendations")
    page.goto(filtered_url)
    shows_noted_hong_kong()

    # --- a recommendation's page ----------------------------------------------------------
    page.get_by_role("link", name=noted[0], exact=True).click()
    # The link remembers the tracker view it came from (issue 9, 3.6).
    expect(page).to_have_url(re.compile(r"/recommendations/\d+\?back=q%3DHong%2BKong%26"
                                        r"position%3Dnoted$"))
    expect(page.get_by_role("heading", name=f"Recommendation {noted[0]}", level=1)
           ).to_be_visible()
    expect(page.get_by_role("blockquote")).to_contain_text("Hong Kong")
    facts = page.locator("dl.facts")
    expect(facts.locator("dd").nth(1)).to_contain_text("Noted")
    expect(facts).to_contain_text("Hong Kong")
    expect(page.get_by_role("link", name=re.compile(r"China, UPR cycle 3"))).to_be_visible()
    screenshot(page, "tracker-06-recommendation")

    assert watch.problems == []
