"""The reliability test of joint statements (issue 4): nothing anyone saves is ever lost.

Twenty people, each in their own thread with their own database session, save fifty edits
each to the same statement, every one from a stale base. Each person owns a paragraph and
appends a unique marker word to it (`T07E23`: thread 7, edit 23); every tenth edit rewrites a
shared paragraph instead, which clashes with whoever rewrote it in between. A clash is kept as
a ConflictCopy; half the people resolve theirs at once ("mine", as the conflict page offers),
the others leave them for later.

Afterwards every marker must be in the head text, in some revision, or in a kept conflict copy;
the revision chain must run 1..N with no gap and no fork. The figures are printed (run with -s)
and attached to the test report.

On PostgreSQL (TEST_DATABASE_URL) this is the full 20 x 50. SQLite serialises writers on the
file; with a busy timeout it runs the same 20 x 50 too, only slower.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from coalition import create_app
from coalition.accounts.models import User
from coalition.core.errors import ServiceError
from coalition.drafting import services as drafting
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.statements import services
from coalition.statements.models import ConflictCopy, Revision, Statement
from tests.conftest import base_config, clear_tables

THREADS = int(os.environ.get("RELIABILITY_THREADS", "20"))
EDITS = int(os.environ.get("RELIABILITY_EDITS", "50"))
SHARED_EVERY = 10   # every tenth edit of each person rewrites the shared paragraph
REREAD_EVERY = 5    # every fifth edit, the person reloads the head first
SHARED_PREFIX = "Shared paragraph:"


def paragraph_prefix(t: int) -> str:
    return f"Paragraph of person {t:02d}:"


def initial_text(threads: int) -> str:
    # The shared paragraph sits between two paragraphs nobody edits, so that its clashes stay
    # its own and never take a neighbouring person's paragraph into the conflict.
    own = [f"{paragraph_prefix(t)} we urge the Government to act." for t in range(threads)]
    half = threads // 2
    parts = ["# Joint statement under heavy editing", *own[:half],
             "Nobody edits this paragraph before the shared one.",
             f"{SHARED_PREFIX} the opening words.",
             "Nobody edits this paragraph after the shared one.", *own[half:],
             "Thank you, Mr President."]
    return "\n\n".join(parts) + "\n"


def replace_line(text: str, prefix: str, change: Any) -> str:
    lines = text.split("\n")
    hits = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    assert len(hits) == 1, f"{prefix!r} should be on exactly one line"
    lines[hits[0]] = change(lines[hits[0]])
    return "\n".join(lines)


def own_edit(text: str, t: int, marker: str) -> str:
    return replace_line(text, paragraph_prefix(t), lambda line: f"{line} {marker}")


def shared_edit(text: str, marker: str) -> str:
    return replace_line(text, SHARED_PREFIX,
                        lambda _line: f"{SHARED_PREFIX} reworded by {marker} entirely.")


@dataclass
class Tally:
    """What became of one person's edits."""

    submitted: list[tuple[str, bool]] = field(default_factory=list)  # (marker, shared?)
    outcomes: Counter[str] = field(default_factory=Counter)
    landed: dict[str, int] = field(default_factory=dict)    # marker -> revision it made
    kept: dict[str, int] = field(default_factory=dict)      # marker -> conflict copy id
    retries: int = 0
    stale_saves: int = 0
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def busy_app(db_url: str, _schema: None) -> Iterator[Flask]:
    """The test app with a connection per thread (PostgreSQL) and a busy timeout (SQLite)."""
    if db_url.startswith("sqlite"):
        # One writer at a time on the file: the others wait for the lock instead of failing.
        options: dict[str, Any] = {"connect_args": {"timeout": 60}, "pool_size": THREADS + 2,
                                   "max_overflow": 4}
    else:
        options = {"pool_size": THREADS + 2, "max_overflow": 4, "pool_pre_ping": True}
    app = create_app(base_config(db_url, SQLALCHEMY_ENGINE_OPTIONS=options))
    with app.app_context():
        yield app
        db.session.remove()
        clear_tables()
        db.engine.dispose()


def person(app: Flask, statement_id: int, user_id: int, org_id: int, t: int,
           start: threading.Barrier, tally: Tally) -> None:
    rng = random.Random(t)
    with app.app_context():
        own_revision: int | None = None  # the revision this person's last save produced
        start.wait()
        for e in range(EDITS):
            marker = f"T{t:02d}E{e:02d}"
            shared = e % SHARED_EVERY == SHARED_EVERY - 1
            tally.submitted.append((marker, shared))
            while True:
                try:
                    outcome, base = save_once(statement_id, user_id, org_id, t, marker, shared,
                                              own_revision, e % REREAD_EVERY == 0)
                except ServiceError as error:
                    db.session.rollback()
                    db.session.remove()
                    if "many people at once" in error.message:
                        tally.retries += 1  # the person presses Save again
                        time.sleep(rng.random() / 100)
                        continue
                    tally.errors.append(f"{marker}: {error.message}")
                    break
                except Exception as error:  # any other failure is a finding: record it
                    db.session.rollback()
                    db.session.remove()
                    tally.errors.append(f"{marker}: {type(error).__name__}: {error}")
                    break
                tally.outcomes[outcome.kind] += 1
                if outcome.revision is not None:
                    if outcome.revision.number != base + 1:
                        tally.stale_saves += 1
                    tally.landed[marker] = outcome.revision.number
                    if not shared:
                        own_revision = outcome.revision.number
                if outcome.conflict is not None:
                    tally.kept[marker] = outcome.conflict.id
                    if t % 2 == 0:  # half the people resolve at once; the others leave it
                        resolve_at_once(statement_id, user_id, org_id, outcome.conflict.id, tally)
                db.session.remove()
                break


def save_once(statement_id: int, user_id: int, org_id: int, t: int, marker: str, shared: bool,
              own_revision: int | None, reread: bool) -> tuple[Any, int]:
    statement = db.session.get(Statement, statement_id)
    user = db.session.get(User, user_id)
    org = db.session.get(Organisation, org_id)
    # The editor shows the revision of the person's own last save (stale by now: the others
    # kept saving), or the head as it was when the person reloaded the page.
    base = statement.head_number if reread or own_revision is None else own_revision
    text = services.revision(statement, base).text
    mine = shared_edit(text, marker) if shared else own_edit(text, t, marker)
    outcome = services.save_text(user, statement, org, base, mine, f"Edit {marker}")
    db.session.commit()
    return outcome, base


def resolve_at_once(statement_id: int, user_id: int, org_id: int, copy_id: int,
                    tally: Tally) -> None:
    """The conflict page: the person keeps their own wording of every clashing passage (the
    other wording stays in the revision that saved it). If the head clashed again meanwhile,
    the resolution is itself kept as a new copy, left for later."""
    while True:
        try:
            copy = db.session.get(ConflictCopy, copy_id)
            user = db.session.get(User, user_id)
            org = db.session.get(Organisation, org_id)
            n = len(services.conflict_view(copy).conflicts)
            outcome = services.resolve_conflict(user, copy, ["mine"] * n, org)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            db.session.remove()
            if "many people at once" in error.message:
                tally.retries += 1
                continue
            tally.errors.append(f"resolving copy {copy_id}: {error.message}")
            return
        tally.outcomes[f"resolution:{outcome.kind}"] += 1
        return


def test_twenty_people_fifty_stale_edits_each_nothing_lost(
        busy_app: Flask, record_property: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = busy_app
    claims: Counter[bool] = Counter()
    claims_lock = threading.Lock()
    claim_next = drafting._claim_next

    def counted_claim(statement: Statement, expected_head: int) -> bool:
        won = claim_next(statement, expected_head)
        with claims_lock:
            claims[won] += 1
        return won

    monkeypatch.setattr(drafting, "_claim_next", counted_claim)
    from coalition.accounts.services import create_user
    from coalition.organisations.services import add_member, create_organisation

    lead = create_organisation(None, name="Lead Drafting Organisation", short_name="LEAD")
    co = create_organisation(None, name="Co-drafting Organisation", short_name="CO")
    db.session.flush()
    people = []
    for t in range(THREADS):
        user = create_user(None, f"drafter{t:02d}@example.org", f"Drafter {t:02d}",
                           "correct-horse-battery", "none")
        org = lead if t % 2 == 0 else co
        add_member(None, org, user, "editor")
        people.append((user, org))
    statement = services.create_statement(
        people[0][0], lead, "Statement under heavy editing", "HRC 40th session", "oral", "en",
        [co], initial_text(THREADS))
    db.session.commit()
    statement_id = statement.id
    ids = [(user.id, org.id) for user, org in people]
    db.session.remove()  # the test's own session holds nothing while the people work

    start = threading.Barrier(THREADS)
    tallies = [Tally() for _ in range(THREADS)]
    threads = [threading.Thread(target=person, args=(app, statement_id, uid, oid, t, start,
                                                     tallies[t]), name=f"person-{t:02d}")
               for t, (uid, oid) in enumerate(ids)]
    # Whoever holds the statement's row lock needs the GIL back quickly after each round trip,
    # or the other nineteen, merging, keep it for the default 5 ms each.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0002)
    began = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        sys.setswitchinterval(switch_interval)
    elapsed = time.perf_counter() - began
    assert not any(thread.is_alive() for thread in threads), "a person is still saving"

    errors = [e for tally in tallies for e in tally.errors]
    assert errors == [], errors[:10]

    # --- the chain: 1..N, each the child of the one before, the head at N -------------------
    statement = db.session.get(Statement, statement_id)
    revisions = list(db.session.scalars(select(Revision).where(
        Revision.document_id == Statement.document_id, Statement.id == statement_id)
        .order_by(Revision.number)))
    numbers = [r.number for r in revisions]
    assert numbers == list(range(1, len(revisions) + 1)), "gaps or forks in the chain"
    assert [r.parent_number for r in revisions] == [None, *numbers[:-1]]
    assert statement.head_number == len(revisions)
    head_text = revisions[-1].text
    copies = list(db.session.scalars(select(ConflictCopy).where(
        ConflictCopy.document_id == Statement.document_id, Statement.id == statement_id)))

    # --- every marker somewhere --------------------------------------------------------------
    found: Counter[str] = Counter()
    missing = []
    for tally in tallies:
        for marker, shared in tally.submitted:
            if marker in head_text:
                found["head"] += 1
            elif any(marker in r.text for r in revisions):
                found["revision"] += 1
            elif any(marker in c.text for c in copies):
                found["conflict copy"] += 1
            else:
                missing.append(marker)
            # A save that landed made a revision holding its words.
            if marker in tally.landed:
                assert marker in revisions[tally.landed[marker] - 1].text, marker
            if marker in tally.kept:
                kept = next(c for c in copies if c.id == tally.kept[marker])
                assert marker in kept.text, marker
            # No one else touches a person's own paragraph: what landed there stays in the head.
            if not shared and marker in tally.landed:
                assert marker in head_text, f"{marker} landed but is gone from the head"
    submitted = sum(len(tally.submitted) for tally in tallies)
    assert submitted == THREADS * EDITS
    assert missing == [], f"{len(missing)} of {submitted} edits lost: {missing[:20]}"
    assert sum(found.values()) == submitted

    # The people who resolved at once left open only the copies of resolutions that clashed
    # again; the others left every clash open.
    unresolved = [c for c in copies if c.resolved_at is None]
    assert len(unresolved) == sum(
        tally.outcomes["conflict"] for t, tally in enumerate(tallies) if t % 2 == 1) + sum(
        tally.outcomes["resolution:conflict"] for tally in tallies)

    outcomes: Counter[str] = Counter()
    for tally in tallies:
        outcomes.update(tally.outcomes)
    kinds = Counter(r.kind for r in revisions)
    figures = {
        "database": db.engine.dialect.name,
        "people x edits": f"{THREADS} x {EDITS}",
        "seconds": round(elapsed, 1),
        "edits submitted": submitted,
        "revisions": len(revisions),
        "revision kinds": dict(kinds),
        "save outcomes": dict(outcomes),
        "saves from a stale base that landed": sum(t.stale_saves for t in tallies),
        "conflict copies kept": len(copies),
        "'try again' retries": sum(t.retries for t in tallies),
        "compare-and-set won/lost": f"{claims[True]}/{claims[False]}",
        "markers found": dict(found),
        "markers missing": len(missing),
        "copies left open": len(unresolved),
    }
    print("\nreliability figures:", figures)
    record_property("reliability", figures)
    # Stale bases really were merged, and the shared paragraph really clashed.
    assert kinds["merge"] > 0
    assert outcomes["conflict"] > 0
