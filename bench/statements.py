"""Joint statements benchmark: a 10,000-word statement with 500 revisions.

    python bench/statements.py [--database URL] [--runs 20] [--profile] [--json out.json]

Runs on SQLite in a temporary file, or on the database --database names (BENCH_DATABASE_URL).
A POSTGRESQL DATABASE IS WIPED (its public schema is dropped and rebuilt from the migrations):
its name must contain "bench", or pass --wipe-ok.

  1. A statement of about 10,000 words (100 paragraphs, a heading every ten) is created through
     coalition.statements.services.create_statement, and 499 more revisions are saved through
     services.save_text by five editors of five drafting organisations: small realistic edits
     (a word replaced, a phrase inserted, a word deleted) of one paragraph each; every seventh
     save starts three revisions behind the head, so the chain holds real merges too.
  2. Pages, through the Flask test client signed in as a drafter, every request in a fresh
     context as a real server runs it (median and p95 server time, SQL statements sent):
     the history page (500 revisions), the diff page of revisions 10 and 490, the blame page.
     Baseline: the same rows fetched in raw SQL through the driver (sqlite3 / psycopg).
     Wall time is reported (median, p95) and, because a busy machine inflates it, the CPU time
     of this process too (for PostgreSQL that leaves out the server's own work).
  3. Saves: a save with a three-way merge (base five revisions behind the head, editing a
     paragraph none of those five touched), through the service and through HTTP (POST of the
     editor form); baseline: a plain save from the head (no merge), through the service; and
     the text engine's merge alone (coalition.statements.text.merge) on the same inputs.

Targets (issue 4): merged save under 100 ms median; history and diff pages under 200 ms.
"""

from __future__ import annotations

import argparse
import contextvars
import cProfile
import io
import json
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PASSWORD = "bench-password-not-secret"  # noqa: S105
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
ORGS = ["Harbour Rights Network", "Island Legal Aid", "Mountain Voices", "River Watch",
        "Lawyers for Lawyers Circle"]
REVISIONS = 500
PARAGRAPHS = 100
WORDS_PER_PARAGRAPH = 97  # plus ten headings: about 10,000 words
BEHIND = 5  # the measured merged saves start this many revisions behind the head
DIFF_A, DIFF_B = 10, 490
TARGETS = {"save_merge": 100.0, "http_save_merge": 100.0, "history": 200.0, "diff": 200.0}

_WORDS = """
state party ensure independence lawyers human rights defenders detention arbitrary release
torture prevention committee recommendations accepted noted implementation review universal
periodic council civil society organisations freedom expression assembly association religion
belief minority ethnic language culture education health housing labour migrant workers women
girls children persons disabilities elderly rural urban development environment climate water
sanitation food security poverty reduction legislation amend repeal criminal code procedure
national security law vague broad definitions subversion secession terrorism collusion foreign
forces sentence trial fair public access counsel choice family visits communication consular
information transparency data statistics monitoring mechanism independent institution paris
principles ombudsman complaint remedy reparation victims survivors accountability impunity
investigation prompt impartial thorough effective follow-up report mid-term assessment deadline
cooperation special procedures visit invitation standing treaty bodies ratification covenant
optional protocol reservation withdrawal dialogue constructive engagement concern regret welcome
urge call upon encourage commend note progress measures steps adopted remain deeply grave serious
"""
VOCABULARY = tuple(_WORDS.split())


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(times_ms: list[float], cpu_ms: list[float] | None = None,
            **extra: Any) -> dict[str, Any]:
    out = {"median_ms": statistics.median(times_ms), "p95_ms": percentile(times_ms, 95),
           "runs": len(times_ms), **extra}
    if cpu_ms:
        out["cpu_median_ms"] = statistics.median(cpu_ms)
    return out


# --- the application -------------------------------------------------------------------------

from common import config, reset_database  # noqa: E402  (bench/ is on sys.path)


class Client:
    """The Flask test client, every request in a fresh context (as a real server runs it),
    counting the SQL statements each request sends."""

    def __init__(self, app: Any) -> None:
        from sqlalchemy import event

        from coalition.extensions import db

        self.client = app.test_client()
        self.statements = 0
        self.token = ""
        self.cpu_ms = 0.0
        with app.app_context():
            engine = db.engine

        def count(*_: Any) -> None:
            self.statements += 1

        event.listen(engine, "before_cursor_execute", count)

    def request(self, method: str, path: str, **kwargs: Any) -> tuple[Any, float, int]:
        self.statements = 0
        cpu = time.process_time()
        start = time.perf_counter()
        response = contextvars.Context().run(getattr(self.client, method), path, **kwargs)
        elapsed = (time.perf_counter() - start) * 1000
        self.cpu_ms = (time.process_time() - cpu) * 1000
        return response, elapsed, self.statements

    def login(self, email: str) -> None:
        response, _, _ = self.request("get", "/login")
        token = CSRF_RE.search(response.get_data(as_text=True))
        assert token, "no CSRF token on /login"
        response, _, _ = self.request("post", "/login", data={
            "email": email, "password": PASSWORD, "csrf_token": token.group(1)})
        assert response.status_code in (302, 303), f"login failed: {response.status_code}"
        response, _, _ = self.request("get", "/profile")
        token = CSRF_RE.search(response.get_data(as_text=True))
        assert token, "no CSRF token on /profile"
        self.token = token.group(1)


# --- the statement ---------------------------------------------------------------------------

def sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(VOCABULARY) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    out, left = [], WORDS_PER_PARAGRAPH
    while left > 0:
        n = min(left, rng.randint(12, 24))
        out.append(sentence(rng, n))
        left -= n
    return " ".join(out)


def first_text(rng: random.Random) -> str:
    blocks = []
    for i in range(PARAGRAPHS):
        if i % 10 == 0:
            blocks.append(f"## Part {i // 10 + 1}: {rng.choice(VOCABULARY)} and "
                          f"{rng.choice(VOCABULARY)}")
        blocks.append(paragraph(rng))
    return "\n\n".join(blocks) + "\n"


def paragraph_indices(text: str) -> list[int]:
    """Block indices of the prose paragraphs (not the headings)."""
    return [i for i, block in enumerate(text.split("\n\n")) if not block.startswith("#")]


def small_edit(text: str, block: int, rng: random.Random, tag: int) -> str:
    """A drafter's small change to one paragraph: a word replaced, a phrase added, a word cut.
    `tag` makes the change unique, so that no two saves are ever identical."""
    blocks = text.split("\n\n")
    words = blocks[block].split(" ")
    at = rng.randrange(1, len(words) - 1)
    kind = rng.random()
    if kind < 0.5:
        words[at] = f"{rng.choice(VOCABULARY)}{tag}"
    elif kind < 0.8 or len(words) < 40:
        words[at:at] = [rng.choice(VOCABULARY), f"{rng.choice(VOCABULARY)}{tag}"]
    else:
        words[at] = f"({tag})"
        del words[at + 1]
    blocks[block] = " ".join(words)
    return "\n\n".join(blocks)


class Chain:
    """Builds and extends the statement's revisions through the service, remembering which
    paragraph each revision touched (so a merged save can pick one that is clean)."""

    def __init__(self, statement_id: int, editor_ids: list[int], org_ids: list[int],
                 rng: random.Random) -> None:
        self.statement_id, self.editor_ids, self.org_ids = statement_id, editor_ids, org_ids
        self.rng = rng
        self.touched: dict[int, set[int]] = {1: set()}
        self.blocks: list[int] = []
        self.saves = 0

    def statement(self) -> Any:
        from coalition.extensions import db
        from coalition.statements.models import Statement

        return db.session.get(Statement, self.statement_id)

    def text_of(self, number: int) -> str:
        from coalition.statements import services

        rev = services.revision(self.statement(), number)
        assert rev is not None
        return rev.text

    def clean_block(self, base: int, head: int) -> int:
        busy = set().union(*(self.touched.get(n, set()) for n in range(base + 1, head + 1)))
        return self.rng.choice([b for b in self.blocks if b not in busy])

    def prepare(self, behind: int) -> tuple[int, int, str, int]:
        """(base number, block, edited text) of a save `behind` revisions behind the head."""
        statement = self.statement()
        head = statement.head_number
        base = max(1, head - behind)
        block = self.clean_block(base, head)
        self.saves += 1
        text = small_edit(self.text_of(base), block, self.rng, 10_000 + self.saves)
        return base, block, text, head

    def save(self, base: int, block: int, text: str, expect: str) -> Any:
        from coalition.accounts.models import User
        from coalition.extensions import db
        from coalition.organisations.models import Organisation
        from coalition.statements import services

        who = self.saves % len(self.editor_ids)  # five organisations take turns
        editor = db.session.get(User, self.editor_ids[who])
        org = db.session.get(Organisation, self.org_ids[who])
        outcome = services.save_text(editor, self.statement(), org, base, text,
                                     f"Edit {self.saves}")
        assert outcome.kind == expect, (outcome.kind, expect)
        number = outcome.revision.number
        self.touched[number] = {block} | (
            set().union(*(self.touched.get(n, set()) for n in range(base + 1, number)))
            if outcome.kind == "merged" else set())
        return outcome


def build(rng: random.Random) -> tuple[Chain, dict[str, Any]]:
    from coalition.accounts.services import create_user
    from coalition.extensions import db
    from coalition.organisations.services import add_member, create_organisation
    from coalition.statements import services
    from coalition.statements import text as textlib

    orgs = [create_organisation(None, name=name) for name in ORGS]
    editors = []
    for i, org in enumerate(orgs):
        user = create_user(None, f"editor{i}@example.org", f"Editor {i}", PASSWORD, "none")
        add_member(None, org, user, "editor")
        editors.append(user)
    db.session.commit()
    text = first_text(rng)
    statement = services.create_statement(
        editors[0], orgs[0], "Joint statement on the adoption of China's UPR outcome",
        "HRC 40th session, item 6", "oral", "en", orgs[1:], text)
    db.session.commit()
    chain = Chain(statement.id, [u.id for u in editors], [o.id for o in orgs], rng)
    chain.blocks = paragraph_indices(text)

    start = time.perf_counter()
    merges = 0
    while chain.statement().head_number < REVISIONS:
        behind = 3 if chain.saves % 7 == 6 else 0
        base, block, new_text, _ = chain.prepare(behind)
        outcome = chain.save(base, block, new_text, "merged" if behind else "saved")
        merges += outcome.kind == "merged"
        if chain.saves % 50 == 0:
            db.session.commit()
            db.session.expunge_all()
    db.session.commit()
    db.session.expunge_all()
    elapsed = time.perf_counter() - start
    head_text = chain.text_of(REVISIONS)
    info = {"revisions": REVISIONS, "merges_in_chain": merges,
            "words": textlib.word_count(head_text), "chars": len(head_text),
            "build_s": elapsed}
    log(f"built {REVISIONS} revisions ({merges} merged) of {info['words']:,} words "
        f"({info['chars']:,} characters) in {elapsed:.1f} s")
    return chain, info


# --- the raw-SQL baselines -------------------------------------------------------------------

def raw_connection(url: str) -> tuple[Any, str]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        import psycopg

        return psycopg.connect(parsed.set(drivername="postgresql").render_as_string(
            hide_password=False)), "%s"
    import sqlite3

    return sqlite3.connect(parsed.database or ""), "?"


def measure_raw(url: str, sql: str, params: tuple[Any, ...], runs: int,
                warmup: int = 3) -> dict[str, Any]:
    conn, mark = raw_connection(url)
    sql = sql.replace("?", mark)
    times, rows = [], 0
    try:
        for n in range(warmup + runs):
            start = time.perf_counter()
            cur = conn.cursor()
            cur.execute(sql, params)
            rows = len(cur.fetchall())
            conn.rollback()
            if n >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return summary(times, rows=rows)


HISTORY_SQL = ("SELECT id, document_id, number, parent_number, base_number, text, summary, "
               "kind, author_id, organisation_id, created_at FROM revision "
               "WHERE document_id = ? ORDER BY number")
HISTORY_META_SQL = ("SELECT r.number, r.parent_number, r.base_number, r.summary, r.kind, "
                    "r.created_at, u.display_name, o.name FROM revision r "
                    "LEFT JOIN user u ON u.id = r.author_id "
                    "LEFT JOIN organisation o ON o.id = r.organisation_id "
                    "WHERE r.document_id = ? ORDER BY r.number DESC")
TWO_TEXTS_SQL = ("SELECT number, text FROM revision WHERE document_id = ? AND number IN (?, ?) "
                 "ORDER BY number")


# --- measurements ----------------------------------------------------------------------------

def measure_page(client: Client, path: str, runs: int, warmup: int = 3) -> dict[str, Any]:
    times, cpu, statements = [], [], set()
    size = 0
    for n in range(warmup + runs):
        response, elapsed, count = client.request("get", path)
        assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
        size = len(response.get_data())
        statements.add(count)
        if n >= warmup:
            times.append(elapsed)
            cpu.append(client.cpu_ms)
    return summary(times, cpu, statements=sorted(statements), bytes=size)


def fill_blame(client: Client, path: str) -> dict[str, Any]:
    """View "who wrote what" until it is complete. Attributions are kept per revision and each
    request computes at most BLAME_STEPS_PER_REQUEST missing ones (issue 7): the first views of
    500 never-attributed revisions take several requests, each bounded."""
    times = []
    while True:
        response, elapsed, _ = client.request("get", path)
        assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
        times.append(elapsed)
        if "being prepared" not in response.get_data(as_text=True) or len(times) > 1000:
            break
    return {"requests": len(times), "max_ms": max(times), "median_ms": statistics.median(times),
            "total_ms": sum(times)}


def revision_count(statement_id: int) -> int:
    from sqlalchemy import func, select

    from coalition.extensions import db
    from coalition.statements.models import Revision, Statement

    count = db.session.scalar(select(func.count()).select_from(Revision).where(
        Revision.document_id == Statement.document_id,
        Statement.id == statement_id))
    db.session.remove()
    return int(count or 0)


def profiled(label: str, action: Callable[[], Any], repeat: int = 5) -> None:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(repeat):
        action()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(18)
    print(f"\n--- profile: {label} ({repeat} runs) ---\n{out.getvalue()}", file=sys.stderr)


def measure_saves(chain: Chain, client: Client, runs: int,
                  profile: bool) -> dict[str, dict[str, Any]]:
    from sqlalchemy import func, select

    from coalition.extensions import db
    from coalition.statements import text as textlib
    from coalition.statements.models import Revision, Statement

    def service_save(behind: int, expect: str) -> tuple[float, float, float]:
        base, block, text, head = chain.prepare(behind)
        base_text, head_text = chain.text_of(base), chain.text_of(head)
        db.session.commit()
        db.session.expunge_all()  # as a fresh request: nothing cached in the session
        cpu = time.process_time()
        start = time.perf_counter()
        chain.save(base, block, text, expect)
        db.session.commit()
        elapsed = (time.perf_counter() - start) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
        db.session.expunge_all()
        start = time.perf_counter()
        if behind:
            result = textlib.merge(base_text, head_text, text)
            assert result.clean
        merge_ms = (time.perf_counter() - start) * 1000
        return elapsed, cpu_ms, merge_ms

    def http_save() -> tuple[float, float]:
        base, block, text, head = chain.prepare(BEHIND)
        db.session.commit()
        db.session.expunge_all()
        response, elapsed, _ = client.request(
            "post", f"/statements/{chain.statement_id}/edit", data={
                "csrf_token": client.token, "base_number": str(base), "text": text,
                "summary": f"Edit {chain.saves}", "organisation": str(chain.org_ids[0])})
        assert response.status_code == 302, response.status_code
        rev = db.session.scalars(select(Revision).where(
            Revision.document_id == Statement.document_id,
            Statement.id == chain.statement_id).order_by(
            Revision.number.desc()).limit(1)).one()
        assert rev.number == head + 1 and rev.kind == "merge" and rev.base_number == base
        chain.touched[rev.number] = {block} | set().union(
            *(chain.touched.get(n, set()) for n in range(base + 1, rev.number)))
        db.session.expunge_all()
        return elapsed, client.cpu_ms

    out: dict[str, dict[str, Any]] = {}
    warmup = 3
    merged, merged_cpu, merge_only = [], [], []
    for n in range(warmup + runs):
        elapsed, cpu_ms, merge_ms = service_save(BEHIND, "merged")
        if n >= warmup:
            merged.append(elapsed)
            merged_cpu.append(cpu_ms)
            merge_only.append(merge_ms)
    out["save_merge"] = summary(merged, merged_cpu)
    out["merge_only"] = summary(merge_only)
    plain, plain_cpu = [], []
    for n in range(warmup + runs):
        elapsed, cpu_ms, _ = service_save(0, "saved")
        if n >= warmup:
            plain.append(elapsed)
            plain_cpu.append(cpu_ms)
    out["save_plain"] = summary(plain, plain_cpu)
    http = [http_save() for _ in range(warmup + runs)]  # as editor 0, for the lead org
    out["http_save_merge"] = summary([t for t, _ in http[warmup:]],
                                     [c for _, c in http[warmup:]])
    count = db.session.scalar(select(func.count()).select_from(Revision).where(
        Revision.document_id == Statement.document_id,
        Statement.id == chain.statement_id))
    log(f"saves measured; the statement now has {count} revisions")
    if profile:
        profiled("save with a three-way merge (service)", lambda: service_save(BEHIND, "merged"))
    return out


def run(url: str, runs: int, seed: int, profile: bool) -> dict[str, Any]:
    from coalition import create_app
    from coalition.extensions import db

    app = create_app(config(url))
    reset_database(app)
    rng = random.Random(seed)
    result: dict[str, Any] = {"database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]}
    with app.app_context():
        dialect = db.engine.dialect.name
        result["database"] = dialect
        chain, info = build(rng)
        result["data"] = info
        sid = chain.statement_id
        did = chain.statement().document_id  # the raw queries read the statement's document
        db.session.remove()

        client = Client(app)
        client.login("editor0@example.org")
        pages = {
            "history": f"/statements/{sid}/history",
            "diff": f"/statements/{sid}/diff?a={DIFF_A}&b={DIFF_B}",
            "blame": f"/statements/{sid}/blame",
        }
        result["blame_cold"] = fill_blame(client, pages["blame"])
        log(f"blame, first views: {result['blame_cold']['requests']} requests, at most "
            f"{result['blame_cold']['max_ms']:.0f} ms each")
        for name, path in pages.items():
            result[name] = measure_page(client, path, runs)
            log(f"{name}: median {result[name]['median_ms']:.1f} ms")
            if profile:
                profiled(f"GET {path}", lambda p=path: client.request("get", p))
        result["raw_history"] = measure_raw(url, HISTORY_SQL, (did,), runs)
        user = '"user"' if dialect == "postgresql" else "user"
        result["raw_history_meta"] = measure_raw(
            url, HISTORY_META_SQL.replace("JOIN user ", f"JOIN {user} "), (did,), runs)
        result["raw_two_texts"] = measure_raw(url, TWO_TEXTS_SQL, (did, DIFF_A, DIFF_B), runs)
        result.update(measure_saves(chain, client, runs, profile))
        for name in ("save_merge", "save_plain", "http_save_merge"):
            log(f"{name}: median {result[name]['median_ms']:.1f} ms")
        result["blame_after_saves"] = fill_blame(client, pages["blame"])
        result["blame_after_saves"]["new_revisions"] = revision_count(sid) - result["data"][
            "revisions"]
        db.session.remove()
        db.engine.dispose()
    return result


# --- report ----------------------------------------------------------------------------------

ROWS = [
    # (label, key, baseline key, baseline label)
    ("Save with three-way merge (service, base 5 behind)", "save_merge", "save_plain",
     "plain save from the head (service)"),
    ("Save with three-way merge (HTTP POST of the editor)", "http_save_merge", "save_plain",
     "plain save from the head (service)"),
    ("History page, 500 revisions", "history", "raw_history_meta",
     "raw SQL: the page's 500 rows (no text)"),
    (f"Diff page, revisions {DIFF_A} and {DIFF_B}", "diff", "raw_two_texts",
     "raw SQL: the two texts"),
    ("Blame page, 500 revisions (attributions kept)", "blame", "raw_history",
     "raw SQL: the 500 revision rows with texts"),
]


def report(results: list[dict[str, Any]]) -> str:
    lines = []
    for res in results:
        data = res["data"]
        lines.append(f"**{res['database']}**: {data['words']:,} words ({data['chars']:,} "
                     f"characters), {data['revisions']} revisions ({data['merges_in_chain']} of "
                     f"them merges), built through the service in {data['build_s']:.1f} s. "
                     f"{res['save_merge']['runs']} runs each after 3 warm-up runs.")
        lines.append("")
        lines.append("| Operation | median ms | p95 ms | CPU ms (median) | target | SQL stmts | "
                     "baseline | baseline median ms | ratio |")
        lines.append("|---|---:|---:|---:|---|---:|---|---:|---:|")
        for label, key, base_key, base_label in ROWS:
            row, base = res[key], res[base_key]
            target = TARGETS.get(key)
            verdict = ("" if target is None else
                       f"< {target:.0f} ms {'met' if row['median_ms'] < target else 'MISSED'}")
            stmts = ",".join(str(s) for s in row.get("statements", [])) or "—"
            cpu = row.get("cpu_median_ms")
            lines.append(f"| {label} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | "
                         f"{'—' if cpu is None else f'{cpu:.1f}'} | "
                         f"{verdict or '—'} | {stmts} | {base_label} | "
                         f"{base['median_ms']:.1f} | {row['median_ms'] / base['median_ms']:.1f}x |")
        cold, after = res["blame_cold"], res["blame_after_saves"]
        lines.append(f"| Blame page, first views ({data['revisions']} revisions never "
                     f"attributed): {cold['requests']} requests until complete | "
                     f"{cold['median_ms']:.1f} | max {cold['max_ms']:.1f} | — | — | — | "
                     f"total {cold['total_ms']:.0f} ms | — | — |")
        lines.append(f"| Blame page after {after['new_revisions']} more saves: "
                     f"{after['requests']} request(s) | {after['median_ms']:.1f} | "
                     f"max {after['max_ms']:.1f} | — | — | — | — | — | — |")
        merge = res["merge_only"]
        lines.append(f"| of the merged save: `text.merge` alone | {merge['median_ms']:.1f} | "
                     f"{merge['p95_ms']:.1f} | — | — | — | — | — | — |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="database URL (a PostgreSQL one is WIPED); default: SQLite in a "
                             "temporary file")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of each operation to stderr")
    parser.add_argument("--wipe-ok", action="store_true",
                        help="allow a PostgreSQL database whose name does not contain 'bench'")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="coalition-bench-statements-") as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if (parsed.get_backend_name() == "postgresql" and "bench" not in (parsed.database or "")
                and not args.wipe_ok):
            parser.error("the database is wiped: its name must contain 'bench' (or pass "
                         "--wipe-ok)")
        results = [run(url, args.runs, args.seed, args.profile)]
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
