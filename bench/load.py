"""Coalition load benchmark: many concurrent signed-in members on the tracker, over real HTTP.

    python bench/load.py                                     # the demo server on SQLite
    python bench/load.py --server gunicorn --database postgresql+psycopg://.../coalition_load
    python bench/load.py --clients 4 --seconds 2 --recommendations 200     # smoke run

1. A database is built in a child process: rebuilt from the migrations, the demo coalition
   seeded (`coalition.demo.services.seed_demo`: its accounts, China's 2018 review), a CSV from
   bench/generate.py imported through the import service (--recommendations, about 37,000 by
   default, on top of the demo's 346), and assessments added (one for every fifth).
   THE DATABASE IS WIPED: a PostgreSQL database's name must contain "bench" or "load", or pass
   --wipe-ok. Without --database, SQLite in a temporary file.
2. The app is started as a server in a second process, on 127.0.0.1 only:
   `--server demo` runs `coalition demo` (Werkzeug's threaded server, as the demo serves);
   `--server gunicorn` runs `gunicorn -w 2 'coalition:create_app()'` (--workers).
3. One member (the demo's viewer@example.org by default) signs in through the real form
   (GET /login for the CSRF token, POST), and every client reuses that session cookie.
4. Every endpoint is requested once to check it answers 200 (not counted); then --clients
   clients (50) each send requests back to back for --seconds (30), cycling through the
   endpoints (client i starts at endpoint i), each on its own connection: the tracker search,
   the search with three facets (as bench/run.py), a recommendation's page (ids drawn from the
   database) and the tracker without filters. The run is bounded: no request starts after the
   deadline or past --max-requests, each has a --timeout, and the whole run is cancelled at
   deadline + timeout.
5. Per endpoint and in total: requests, errors (any answer but 200, or no answer), requests/s
   (over the time from the first request to the last answer), p50 / p95 / max of the time to
   the last byte of the answer (ms, `statistics.quantiles`, over every request, a failed one
   with its time to the failure); and CPU time per request of the server (its process and
   children, from /proc) and of PostgreSQL's backends for this database, the client's own CPU
   time and the load average: the machine may be shared, and the CPU figures are steadier.
   `--endpoints search` (or any comma-separated subset) sends only those.
Table on stdout, JSON with --json FILE. Exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import ipaddress
import json
import math
import os
import random
import re
import secrets
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402  (bench/ is on sys.path)
from run import GROUP, POSITION, SEARCH, common_theme  # noqa: E402

HOST = "127.0.0.1"
# bench/generate.py's rows per recommendation: 100,000 rows make 92,479 recommendations.
RECOMMENDATIONS_PER_ROW = 0.92479
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SIGNED_IN_MARK = 'action="/logout"'
ENDPOINTS = ("search", "search + facets", "recommendation", "tracker (unfiltered)")
# --endpoints names them by these short keys.
ENDPOINT_KEYS = dict(zip(("search", "facets", "recommendation", "tracker"), ENDPOINTS,
                         strict=True))
# Settings a caller's environment might carry that would change what the server runs on.
SERVER_ENV_DROP = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "COALITION_DEMO", "FLASK_DEBUG",
                   "FLASK_APP", "PUBLIC_TRACKER", "TRUSTED_PROXIES", "MAIL_SERVER")


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- 1. the database (in a child process) ------------------------------------------------------

def build(url: str, recommendations: int, seed: int, sample_ids: int,
          reuse: bool = False) -> dict[str, Any]:
    """Rebuild `url`, seed the demo, import about `recommendations` generated ones, add
    assessments; returns counts, the facet theme and a sample of recommendation ids.
    With `reuse`, only read those from a database this script built before."""
    from sqlalchemy import func, select, text

    from coalition import create_app
    from coalition.core.database import rebuild_from_migrations
    from coalition.demo.services import DEMO_PASSWORD, seed_demo
    from coalition.extensions import db
    from coalition.recommendations.models import Assessment, Recommendation
    from coalition.recommendations.services import import_file

    # The app's own settings (scrypt password hashes, as the demo's accounts have), this database.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16)})
    start = time.perf_counter()
    if not reuse:
        rebuild_from_migrations(app)
    out: dict[str, Any] = {"reused": reuse}
    with app.app_context():
        rows = 0
        if not reuse:
            seed_demo()
            db.session.commit()
            rows = math.ceil(recommendations / RECOMMENDATIONS_PER_ROW) if recommendations else 0
        if rows:
            with tempfile.TemporaryDirectory(prefix="coalition-load-") as tmp:
                data = generate.write_csv(Path(tmp) / "load.csv", rows, seed).read_bytes()
            report = import_file(None, "load.csv", data)
            db.session.commit()
            if report.errors:
                raise SystemExit(f"the import reported errors: {report.errors[:3]}")
            generate.add_assessments(recommendations // 5, seed)
        if db.engine.dialect.name == "postgresql":  # autovacuum would have analysed by now
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        ids = list(db.session.scalars(select(Recommendation.id).order_by(Recommendation.id)))
        theme_id, theme_name = common_theme()
        out.update({
            "demo_password": DEMO_PASSWORD,
            "csv_rows": rows,
            "recommendations": len(ids),
            "assessments": db.session.scalar(select(func.count(Assessment.id))),
            "theme_id": theme_id, "theme": theme_name,
            "recommendation_ids": random.Random(seed).sample(ids, min(sample_ids, len(ids))),
            "build_seconds": round(time.perf_counter() - start, 1),
        })
        db.session.remove()
        db.engine.dispose()
    return out


def build_in_child(url: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--build-child", url,
               "--recommendations", str(args.recommendations), "--seed", str(args.seed)]
    if args.reuse:
        command.append("--reuse")
    # Our own interpreter and script, with arguments we built.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True,  # noqa: S603
                          env=clean_env(), cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- 2. the server (a second process, loopback only) -------------------------------------------

def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV_DROP}
    # The code of this checkout, not whatever an editable install points at.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_command(kind: str, port: int, workers: int) -> list[str]:
    if kind == "demo":
        return [sys.executable, "-c", "import sys; from coalition.cli import main; main()",
                "demo", "--host", HOST, "--port", str(port)]
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers),
            "--bind", f"{HOST}:{port}", "coalition:create_app()"]


def start_server(kind: str, url: str, port: int, workers: int, log_path: Path,
                 ready_seconds: float = 90) -> subprocess.Popen[bytes]:
    import httpx

    command = server_command(kind, port, workers)
    env = clean_env(DATABASE_URL=url, SECRET_KEY=secrets.token_hex(32))
    with open(log_path, "wb") as handle:
        # Our own interpreter with arguments we built; the server's output goes to a file.
        server = subprocess.Popen(command, cwd=ROOT, env=env,  # noqa: S603
                                  stdout=handle, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + ready_seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}); see {log_path}:\n"
                             + log_path.read_text(errors="replace")[-3000:])
        try:
            if httpx.get(f"http://{HOST}:{port}/login", timeout=5,
                         trust_env=False).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"the server did not answer within {ready_seconds:.0f} s; see {log_path}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process we started (gunicorn's master stops its own workers)."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


EXCEPTION_RE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Timeout|Exit)\w*: .*$", re.M)

GUNICORN_RE = re.compile(r"\[(?:CRITICAL|ERROR)\] .*$", re.M)


def exceptions_in_log(path: Path) -> dict[str, int]:
    """The last line of each traceback in the server's log (exception: message), counted."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return {}
    found: dict[str, int] = {}
    lines = [m.group(0) for m in EXCEPTION_RE.finditer(text)]
    # gunicorn's own complaints, e.g. "[CRITICAL] WORKER TIMEOUT (pid:123)", without the pid.
    lines += [re.sub(r"\d+", "N", m.group(0)) for m in GUNICORN_RE.finditer(text)]
    for line in lines:
        found[line[:300]] = found.get(line[:300], 0) + 1
    return found


def process_tree_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a process and its living descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pending, seen = 0.0, [pid], set()
    try:
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError):
        return None if current == pid else total
    return total


def database_backends_cpu(url: str) -> dict[int, float] | None:
    """CPU seconds of each PostgreSQL backend serving `url`'s database (the app's pooled
    connections), from /proc: the database's share of the work. None for SQLite (in the
    server process) or when /proc cannot tell."""
    if not url.startswith("postgresql"):
        return None
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        pids = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = "
                            "current_database() AND pid <> pg_backend_pid()").fetchall()
    cpu = {pid: process_tree_cpu(pid) for (pid,) in pids}
    return {pid: seconds for pid, seconds in cpu.items() if seconds is not None}


def backends_delta(before: dict[int, float] | None,
                   after: dict[int, float] | None) -> float | None:
    """Backends that started during the run count from zero; those that ended are lost."""
    if before is None or after is None:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


# --- 3. signing in through the real form -------------------------------------------------------

def cookie_header(response: Any, cookies: dict[str, str]) -> dict[str, str]:
    """Cookies set by `response`, kept by hand: the production server marks them Secure, which
    an HTTP client would rightly not send back over plain http (loopback, no TLS here)."""
    for cookie in response.cookies.jar:
        cookies[cookie.name] = cookie.value
    return cookies


def sign_in(base: str, email: str, password: str) -> str:
    """GET /login for the session and its CSRF token, POST the form; the Cookie header."""
    import httpx

    with httpx.Client(base_url=base, timeout=60, cookies=no_cookie_jar(),
                      trust_env=False) as client:
        page = client.get("/login")
        token = CSRF_RE.search(page.text)
        if page.status_code != 200 or not token:
            raise SystemExit(f"GET /login: HTTP {page.status_code}, "
                             f"CSRF token found: {bool(token)}")
        cookies = cookie_header(page, {})
        answer = client.post("/login", headers={"Cookie": join_cookies(cookies)}, data={
            "email": email, "password": password, "csrf_token": token.group(1)})
        if answer.status_code not in (302, 303):
            raise SystemExit(f"sign-in as {email} failed: HTTP {answer.status_code}")
        return join_cookies(cookie_header(answer, cookies))


def join_cookies(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class _RefuseCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


def no_cookie_jar() -> http.cookiejar.CookieJar:
    """The clients send the signed-in Cookie header as given; they keep nothing themselves."""
    return http.cookiejar.CookieJar(policy=_RefuseCookies())


# --- 4. the load -------------------------------------------------------------------------------

@dataclass
class Plan:
    """What each client requests, in turn."""

    names: tuple[str, ...]
    paths: dict[str, list[str]]

    @classmethod
    def for_database(cls, built: dict[str, Any], names: tuple[str, ...] = ENDPOINTS) -> Plan:
        facets = {"q": SEARCH, "position": POSITION, "group": GROUP, "theme": built["theme_id"]}
        return cls(names, {
            "search": ["/tracker?" + urlencode({"q": SEARCH})],
            "search + facets": ["/tracker?" + urlencode(facets)],
            "recommendation": [f"/recommendations/{i}" for i in built["recommendation_ids"]],
            "tracker (unfiltered)": ["/tracker"],
        })

    def request(self, n: int) -> tuple[str, str]:
        name = self.names[n % len(self.names)]
        paths = self.paths[name]
        return name, paths[(n // len(self.names)) % len(paths)]


@dataclass
class Sample:
    endpoint: str
    started: float  # seconds since the start of the load
    seconds: float
    outcome: str  # the HTTP status, or the exception's name when nothing came back


@dataclass
class Load:
    deadline: float
    budget: int
    samples: list[Sample] = field(default_factory=list)

    def take(self) -> bool:
        if time.perf_counter() >= self.deadline or self.budget <= 0:
            return False
        self.budget -= 1
        return True


async def one_client(number: int, base: str, cookie: str, plan: Plan, load: Load,
                     origin: float, timeout: float, tls: ssl.SSLContext) -> None:
    import httpx

    # trust_env=False: no proxy from the environment, the requests go to loopback directly.
    # Plain http: the shared TLS context only spares each client building its own.
    async with httpx.AsyncClient(
            base_url=base, headers={"Cookie": cookie}, timeout=timeout, follow_redirects=False,
            cookies=no_cookie_jar(), limits=httpx.Limits(max_connections=1), trust_env=False,
            verify=tls) as client:
        n = number
        while load.take():
            endpoint, path = plan.request(n)
            n += 1
            start = time.perf_counter()
            try:
                response = await client.get(path)  # reads the whole body
                outcome = str(response.status_code)
            except httpx.HTTPError as error:
                outcome = type(error).__name__
            except asyncio.CancelledError:  # outlived the whole run's bound: an error too
                load.samples.append(Sample(endpoint, start - origin,
                                           time.perf_counter() - start, "Cancelled"))
                raise
            load.samples.append(Sample(endpoint, start - origin, time.perf_counter() - start,
                                       outcome))


async def drive(base: str, cookie: str, plan: Plan, clients: int, seconds: float,
                max_requests: int, timeout: float) -> tuple[Load, float]:
    tls = ssl.create_default_context()
    origin = time.perf_counter()
    load = Load(deadline=origin + seconds, budget=max_requests)
    tasks = [asyncio.create_task(one_client(i, base, cookie, plan, load, origin, timeout, tls))
             for i in range(clients)]
    done, pending = await asyncio.wait(tasks, timeout=seconds + timeout + 5)
    for task in pending:  # only if a request outlived its own timeout: cancel, never hang
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    for task in done:
        task.result()  # a bug in the client is an error, not a quiet gap in the figures
    return load, time.perf_counter() - origin


def check_endpoints(base: str, cookie: str, plan: Plan) -> None:
    """Each endpoint once, signed in, before the load: 200 and the page of a signed-in user."""
    import httpx

    with httpx.Client(base_url=base, headers={"Cookie": cookie}, timeout=120,
                      cookies=no_cookie_jar(), trust_env=False) as client:
        for endpoint in plan.names:
            path = plan.paths[endpoint][0]
            response = client.get(path)
            if response.status_code != 200 or SIGNED_IN_MARK not in response.text:
                raise SystemExit(f"{endpoint} ({path}): HTTP {response.status_code}, signed in: "
                                 f"{SIGNED_IN_MARK in response.text}")


# --- 5. the figures ----------------------------------------------------------------------------

def summarise(samples: list[Sample], duration: float) -> dict[str, Any]:
    times = [s.seconds * 1000 for s in samples]
    errors = [s.outcome for s in samples if s.outcome != "200"]
    out: dict[str, Any] = {"requests": len(samples), "errors": len(errors),
                           "error_kinds": {k: errors.count(k) for k in sorted(set(errors))},
                           "requests_per_s": len(samples) / duration if duration else 0.0}
    if len(times) >= 2:
        cuts = statistics.quantiles(times, n=100, method="inclusive")
        out.update(p50_ms=statistics.median(times), p95_ms=cuts[94], max_ms=max(times),
                   mean_ms=statistics.fmean(times))
    elif times:
        out.update(p50_ms=times[0], p95_ms=times[0], max_ms=times[0], mean_ms=times[0])
    return out


def print_table(result: dict[str, Any]) -> None:
    run = result["run"]
    print()
    print(f"{run['server']} server, {run['database']}, {result['data']['recommendations']:,} "
          f"recommendations; {run['clients']} clients for {run['seconds']:g} s "
          f"(ran {run['duration_s']:.1f} s)")
    header = f"{'endpoint':<24}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>10}" \
             f"{'p95 ms':>10}{'max ms':>10}"
    print(header)
    print("-" * len(header))
    rows = [*result["endpoints"].items(), ("total", result["total"])]
    for name, row in rows:
        print(f"{name:<24}{row['requests']:>10,}{row['errors']:>8}{row['requests_per_s']:>9.1f}"
              f"{row.get('p50_ms', float('nan')):>10.0f}{row.get('p95_ms', float('nan')):>10.0f}"
              f"{row.get('max_ms', float('nan')):>10.0f}")
    machine = result["machine"]
    cpu = result["server_cpu"]
    if cpu.get("seconds") is not None and result["total"]["requests"]:
        print(f"server CPU: {cpu['seconds']:.1f} s over the run, "
              f"{cpu['ms_per_request']:.0f} ms per request; client CPU "
              f"{result['client_cpu_s']:.1f} s")
    database = result["database_cpu"]
    if database.get("seconds") is not None and result["total"]["requests"]:
        print(f"PostgreSQL backends' CPU: {database['seconds']:.1f} s, "
              f"{database['ms_per_request']:.0f} ms per request")
    print(f"machine: {machine['cpus']} CPUs, load average {machine['load_before']:.1f} before, "
          f"{machine['load_after']:.1f} after (1 min)")
    for name, row in rows:
        if row["errors"]:
            print(f"!! {name}: {row['errors']} errors {row['error_kinds']}")


def measure(args: argparse.Namespace, url: str, built: dict[str, Any], tmp: Path) -> dict[str, Any]:
    import httpx

    port = args.port or free_port()
    base = f"http://{HOST}:{port}"
    log(f"starting the {args.server} server on {base}")
    server = start_server(args.server, url, port, args.workers, tmp / "server.log")
    try:
        cookie = sign_in(base, args.email, args.password or built["demo_password"])
        plan = Plan.for_database(built, tuple(ENDPOINT_KEYS[k] for k in args.endpoints))
        check_endpoints(base, cookie, plan)
        log(f"{args.clients} clients for {args.seconds:g} s")
        load_before = os.getloadavg()[0]
        cpu_before = process_tree_cpu(server.pid)
        database_before = database_backends_cpu(url)
        client_cpu = time.process_time()
        load, duration = asyncio.run(drive(base, cookie, plan, args.clients, args.seconds,
                                           args.max_requests, args.timeout))
        client_cpu = time.process_time() - client_cpu
        cpu_after = process_tree_cpu(server.pid)
        database_cpu = backends_delta(database_before, database_backends_cpu(url))
        load_after = os.getloadavg()[0]
    except httpx.HTTPError as error:
        raise SystemExit(f"the server did not answer: {error!r}; see {tmp / 'server.log'}") \
            from error
    finally:
        stop_server(server)
    server_cpu = (cpu_after - cpu_before) if None not in (cpu_before, cpu_after) else None
    total = summarise(load.samples, duration)
    # The temporary folder goes with the run: keep what the server said went wrong.
    server_errors = exceptions_in_log(tmp / "server.log")
    for line, count in server_errors.items():
        log(f"server log, {count} x: {line}")
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    return {
        "run": {"server": args.server, "database": dialect, "clients": args.clients,
                "seconds": args.seconds, "duration_s": duration,
                "workers": args.workers if args.server == "gunicorn" else None,
                "command": (f"coalition demo --host {HOST} --port {port}"
                            if args.server == "demo" else
                            f"gunicorn --workers {args.workers} --bind {HOST}:{port} "
                            "'coalition:create_app()'"),
                "email": args.email, "max_requests": args.max_requests,
                "timeout_s": args.timeout},
        "data": {k: v for k, v in built.items()
                 if k not in ("recommendation_ids", "demo_password")},
        "endpoints": {name: {"path": plan.paths[name][0] if len(plan.paths[name]) == 1
                             else f"/recommendations/<one of {len(plan.paths[name])} ids>",
                             **summarise([s for s in load.samples if s.endpoint == name],
                                         duration)}
                      for name in plan.names},
        "total": total,
        "server_cpu": {"seconds": server_cpu,
                       "ms_per_request": (server_cpu * 1000 / total["requests"])
                       if server_cpu is not None and total["requests"] else None},
        "database_cpu": {"seconds": database_cpu,
                         "ms_per_request": (database_cpu * 1000 / total["requests"])
                         if database_cpu is not None and total["requests"] else None},
        "server_errors": server_errors,
        "client_cpu_s": client_cpu,
        "machine": {"cpus": os.cpu_count(), "load_before": load_before,
                    "load_after": load_after},
    }


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not ipaddress.ip_address(HOST).is_loopback:  # the clients and server stay on this host
        parser.error("the load stays on a loopback address")
    if not args.endpoints or not set(args.endpoints) <= set(ENDPOINT_KEYS):
        parser.error("--endpoints: a comma-separated list of " + ", ".join(ENDPOINT_KEYS))
    if args.reuse and not args.database:
        parser.error("--reuse needs --database")
    if args.clients < 1 or args.seconds <= 0 or args.max_requests < 1 or args.timeout <= 0:
        parser.error("--clients, --seconds, --max-requests and --timeout must be positive")
    if args.clients > 500 or args.seconds > 600:
        parser.error("bounded: at most 500 clients and 600 seconds")
    if args.database:
        from sqlalchemy.engine import make_url

        parsed = make_url(args.database)
        name = parsed.database or ""
        if parsed.get_backend_name() == "postgresql" and not args.wipe_ok \
                and "bench" not in name and "load" not in name:
            parser.error("the database is wiped: its name must contain 'bench' or 'load' "
                         "(or pass --wipe-ok)")
        if parsed.host and not args.wipe_ok and not _is_loopback(parsed.host):
            parser.error("the database must be on this machine (or pass --wipe-ok)")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=("demo", "gunicorn"), default="demo")
    parser.add_argument("--database", help="SQLAlchemy URL (WIPED); default SQLite, temporary")
    parser.add_argument("--wipe-ok", action="store_true",
                        help="allow a database whose name contains neither 'bench' nor 'load'")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--max-requests", type=int, default=100_000,
                        help="no request starts after this many (all clients together)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request")
    parser.add_argument("--recommendations", type=int, default=37_000,
                        help="generated recommendations imported on top of the demo's")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--endpoints", type=lambda v: v.split(","), default=list(ENDPOINT_KEYS),
                        help="comma-separated, of: " + ", ".join(ENDPOINT_KEYS)
                        + " (default: all, in turn)")
    parser.add_argument("--email", default="viewer@example.org",
                        help="the member who signs in (a demo account)")
    parser.add_argument("--password", help="default: the demo's password")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--reuse", action="store_true",
                        help="use the --database as an earlier run of this script left it")
    parser.add_argument("--build-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.build_child:
        print(json.dumps(build(args.build_child, args.recommendations, args.seed, 500,
                               args.reuse)))
        return 0
    check_args(parser, args)
    with tempfile.TemporaryDirectory(prefix="coalition-load-") as tmp:
        url = args.database or f"sqlite:///{tmp}/load.sqlite3"
        log("reading the database" if args.reuse else "building the database: the demo + "
            f"about {args.recommendations:,} recommendations")
        built = build_in_child(url, args)
        log(f"{built['recommendations']:,} recommendations, {built['assessments']:,} "
            f"assessments ({'read' if args.reuse else 'built'} in {built['build_seconds']} s)")
        result = measure(args, url, built, Path(tmp))
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 1 if result["total"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
