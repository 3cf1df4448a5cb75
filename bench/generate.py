"""Benchmark data: a UPR Info-format CSV and implementation assessments.

The CSV looks like UPR Info's database export (header ``To,To-Rgrp,To-Org,Text,From,From-Rgrp,
From-Org,Response,Action,Issue,Session``): about 200 reviews (States under review x sessions 1 to
54), recommending States, issues, actions and responses drawn with the frequencies of the real
sample of sessions 1-5, texts recombined from the sample's own clauses, and some recommendations
made by several States (one row per State, merged into one recommendation on import).

Frequencies come from the sample when it is present (``/work/shared/data/upr-info/...``, or the
file named by BENCH_SAMPLE), otherwise from ``bench/distribution.json``, which was derived from
the same sample (``python bench/generate.py --write-distribution``). The seed makes the output
deterministic for a given source.

    python bench/generate.py out.csv --rows 100000 [--seed 2026]
"""

from __future__ import annotations

import argparse
import bisect
import csv
import io
import itertools
import json
import os
import random
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DISTRIBUTION = HERE / "distribution.json"
SAMPLE = Path(os.environ.get(
    "BENCH_SAMPLE", "/work/shared/data/upr-info/upr-info_sessions_1-5.csv"))
HEADER = ["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org", "Response",
          "Action", "Issue", "Session"]
# UPR Info's spelling of the regional groups (To-Rgrp / From-Rgrp).
UPR_INFO_GROUPS = {"African": "Africa", "Asia-Pacific": "Asia", "Eastern European": "EEG",
                   "Latin American and Caribbean": "GRULAC",
                   "Western European and others": "WEOG", None: "Observer"}
REVIEWS = 200
COMMITTED_PHRASES = 800  # phrases of each kind kept in distribution.json


# --- frequency tables ------------------------------------------------------------------------

def _clauses(text: str) -> list[str]:
    text = " ".join(text.split()).rstrip(" .;")
    return [part.strip() for part in text.split(", ") if part.strip()]


def derive_distribution(path: Path) -> dict[str, Any]:
    """Frequency tables of a UPR Info export: States, issues, actions, responses, phrases."""
    from coalition.recommendations.importers.upr_info import detect_encoding, text_key
    from coalition.reviews.reference import resolve_state

    data = path.read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode(detect_encoding(data)), newline="")))[1:]
    rows = [r for r in rows if len(r) >= 11 and resolve_state(r[4].strip())
            and resolve_state(r[0].strip())]
    from_states = Counter(r[4].strip() for r in rows)
    orgs = {r[4].strip(): r[6].strip() for r in rows} | {r[0].strip(): r[2].strip() for r in rows}
    issues: Counter[str] = Counter()
    issues_per_row: Counter[int] = Counter()
    for r in rows:
        names = [i.strip() for i in r[9].split(",") if i.strip()]
        issues.update(names)
        issues_per_row[len(names)] += 1
    groups = Counter((r[0].strip(), r[10].strip(), text_key(r[3]), r[7].strip()) for r in rows)
    openings: dict[str, None] = {}
    continuations: dict[str, None] = {}
    for r in rows:
        parts = _clauses(r[3])
        if parts and parts[0][:1].isupper() and 3 <= len(parts[0].split()) <= 30:
            openings[parts[0]] = None
        for part in parts[1:]:
            if 2 <= len(part.split()) <= 25:
                continuations[part] = None
    return {
        "source": path.name,
        "from_states": sorted(from_states.items(), key=lambda kv: (-kv[1], kv[0])),
        "orgs": dict(sorted(orgs.items())),
        "issues": sorted(issues.items(), key=lambda kv: (-kv[1], kv[0])),
        "issues_per_row": sorted(issues_per_row.items()),
        "actions": sorted(Counter(r[8].strip() for r in rows).items()),
        "responses": sorted(Counter(r[7].strip() for r in rows).items()),
        "states_per_recommendation": sorted(Counter(groups.values()).items()),
        "openings": list(openings),
        "continuations": list(continuations),
    }


def load_distribution() -> dict[str, Any]:
    if SAMPLE.is_file():
        return derive_distribution(SAMPLE)
    return json.loads(DISTRIBUTION.read_text("utf-8"))


def write_distribution() -> None:
    """Commit-sized tables (phrases thinned out) for machines without the sample."""
    dist = derive_distribution(SAMPLE)
    for key in ("openings", "continuations"):
        step = max(1, len(dist[key]) // COMMITTED_PHRASES)
        dist[key] = dist[key][::step][:COMMITTED_PHRASES]
    DISTRIBUTION.write_text(json.dumps(dist, indent=0, ensure_ascii=False) + "\n", "utf-8")


class Weighted:
    """Draw from (value, count) pairs with the counts as weights."""

    def __init__(self, pairs: list[Any]) -> None:
        self.values = [v for v, _ in pairs]
        self.cumulative = list(itertools.accumulate(c for _, c in pairs))

    def __call__(self, rnd: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cumulative,
                                               rnd.random() * self.cumulative[-1])]

    def several(self, rnd: random.Random, k: int) -> list[Any]:
        chosen: dict[Any, None] = {}
        for _ in range(k * 10):
            if len(chosen) == k:
                break
            chosen[self(rnd)] = None
        return list(chosen)


# --- the CSV ---------------------------------------------------------------------------------

def _reviews(rnd: random.Random, count: int) -> list[tuple[Any, int]]:
    """(State under review, session) pairs, at most one review per State and cycle."""
    from coalition.reviews.reference import cycle_for_session, load_states

    states = load_states()
    taken: set[tuple[str, int]] = set()
    reviews = []
    while len(reviews) < count:
        state, session = rnd.choice(states), rnd.randint(1, 54)
        if (state.code, cycle_for_session(session)) not in taken:
            taken.add((state.code, cycle_for_session(session)))
            reviews.append((state, session))
    return sorted(reviews, key=lambda r: (r[1], r[0].name))


def generate_rows(rows: int, seed: int = 2026, reviews: int = REVIEWS,
                  dist: dict[str, Any] | None = None) -> list[list[str]]:
    """Exactly `rows` data rows (without the header)."""
    from coalition.recommendations.importers.upr_info import text_key
    from coalition.reviews.reference import resolve_state

    dist = dist or load_distribution()
    rnd = random.Random(seed)
    from_states = Weighted(dist["from_states"])
    issues = Weighted(dist["issues"])
    issues_per_row = Weighted(dist["issues_per_row"])
    actions = Weighted(dist["actions"])
    responses = Weighted(dist["responses"])
    group_size = Weighted(dist["states_per_recommendation"])
    openings, continuations = dist["openings"], dist["continuations"]
    orgs = dist["orgs"]
    groups = {name: UPR_INFO_GROUPS[ref.regional_group] for name, _ in dist["from_states"]
              if (ref := resolve_state(name)) is not None}
    # Later cycles have more recommendations per review, as in reality.
    plan = _reviews(rnd, min(reviews, max(1, rows // 20)))
    weights = [(0.4 + rnd.random()) * (1 + session / 18) for _, session in plan]
    quotas = [max(1, round(rows * w / sum(weights))) for w in weights]
    out: list[list[str]] = []
    for (state, session), quota in zip(plan, quotas, strict=True):
        to = [state.name, UPR_INFO_GROUPS[state.regional_group], orgs.get(state.name, "")]
        seen: set[str] = set()
        made = 0
        while made < quota and len(out) < rows:
            text = ""
            for _ in range(50):
                parts = [rnd.choice(openings)]
                parts += [rnd.choice(continuations) for _ in range(rnd.choice((0, 0, 1, 1, 2)))]
                text = ", ".join(parts) + rnd.choice((".", ".", ".", ";", ""))
                if text_key(text) not in seen:
                    break
            seen.add(text_key(text))
            response, action = responses(rnd), actions(rnd)
            issue = ",".join(issues.several(rnd, issues_per_row(rnd)))
            recommenders: list[str] = []
            while not recommenders:  # a State does not recommend to itself
                recommenders = [s for s in from_states.several(rnd, group_size(rnd))
                                if resolve_state(s).code != state.code]
            for n, name in enumerate(recommenders):
                # UPR Info's copies of one recommendation differ in spacing and full stops.
                row_text = text if n == 0 or rnd.random() < 0.8 else text.rstrip(".;") + " "
                out.append([*to, row_text, name, groups.get(name, ""), orgs.get(name, ""),
                            response, action, issue, str(session)])
                made += 1
                if len(out) == rows:
                    break
    while len(out) < rows:  # rounding left the quotas short: top up the last review
        out.append([*out[-1][:3], f"Ensure the follow-up of recommendation {len(out)}.",
                    *out[-1][4:]])
    return out


def write_csv(path: Path, rows: int, seed: int = 2026) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(generate_rows(rows, seed))
    return path


# --- assessments -----------------------------------------------------------------------------

STATUSES = [("not_implemented", 30), ("partially", 35), ("fully", 15), ("regressed", 8),
            ("unclear", 12)]
EVIDENCE = ["The law was amended in {year}; implementing regulations are still pending.",
            "No measure has been taken since the review, according to our monitoring.",
            "The national action plan adopted in {year} covers this recommendation in part.",
            "Reports from partner organisations show the practice continued in {year}.",
            "The government's mid-term report of {year} describes a pilot programme only."]


# Who may read the generated assessments (issue 10): most are published.
VISIBILITIES = {"public": 60, "coalition": 35, "organisation": 5}


def add_assessments(count: int, seed: int = 2026, organisations: int = 8) -> int:
    """Bulk-insert `count` assessments (a fast path, not the audited service; visibility drawn
    from VISIBILITIES) and bring every recommendation's latest_status / latest_assessment_id
    (the latest visible to the coalition) and latest_public_status /
    latest_public_assessment_id up to date, set-based.

    Needs an application context; commits.
    """
    from sqlalchemy import insert, select, text

    from coalition.core.markdown import render_html
    from coalition.extensions import db
    from coalition.organisations.services import create_organisation
    from coalition.recommendations.models import Assessment, Recommendation

    rnd = random.Random(seed)
    orgs = [create_organisation(None, name=f"Bench Monitoring Group {n}",
                                short_name=f"BMG{n}") for n in range(1, organisations + 1)]
    db.session.flush()
    ids = list(db.session.scalars(select(Recommendation.id).order_by(Recommendation.id)))
    # Most assessed recommendations have one assessment, some a follow-up or a second opinion.
    chosen = rnd.sample(ids, min(len(ids), count * 4 // 5))
    targets = chosen + [rnd.choice(chosen) for _ in range(count - len(chosen))]
    statuses = Weighted(STATUSES)
    visibilities = Weighted(list(VISIBILITIES.items()))
    start = date(2010, 1, 1)
    rows = []
    for rec_id in targets:
        day = start + timedelta(days=rnd.randint(0, 15 * 365))
        evidence = rnd.choice(EVIDENCE).format(year=day.year)
        rows.append({"recommendation_id": rec_id, "organisation_id": rnd.choice(orgs).id,
                     "author_id": None, "status": statuses(rnd), "assessed_on": day,
                     "evidence": evidence, "evidence_html": render_html(evidence),
                     "source_links": "https://example.org/report",
                     "visibility": visibilities(rnd),
                     "created_at": datetime.combine(day, time(12), tzinfo=UTC)})
    for offset in range(0, len(rows), 5000):
        db.session.execute(insert(Assessment), rows[offset:offset + 5000])
    for prefix, visible in (("latest", "'coalition', 'public'"), ("latest_public", "'public'")):
        # Column names and visibilities are the literals above.
        db.session.execute(text(
            f"UPDATE recommendation SET {prefix}_assessment_id = ("
            " SELECT a.id FROM assessment a WHERE a.recommendation_id = recommendation.id"
            f" AND a.visibility IN ({visible})"
            " ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1)"
            " WHERE id IN (SELECT recommendation_id FROM assessment)"))
        db.session.execute(text(
            f"UPDATE recommendation SET {prefix}_status = ("
            " SELECT a.status FROM assessment a"
            f" WHERE a.id = recommendation.{prefix}_assessment_id)"
            f" WHERE {prefix}_assessment_id IS NOT NULL"))
    db.session.commit()
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--write-distribution", action="store_true",
                        help=f"derive {DISTRIBUTION.name} from the sample and exit")
    args = parser.parse_args(argv)
    if args.write_distribution:
        write_distribution()
        print(f"wrote {DISTRIBUTION}")
        return 0
    if args.output is None:
        parser.error("name the output file")
    write_csv(args.output, args.rows, args.seed)
    print(f"wrote {args.rows} rows to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
