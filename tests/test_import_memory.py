"""An import's memory per row (issue 8, "Performance": peak memory growth of a 100,000-row
import under 100 MiB; it was 228 MiB).

Not a timing: tracemalloc counts the bytes Python allocates, which does not depend on the
machine's load. The whole file is parsed before anything is written (all-or-nothing), so the
peak grows with the rows; what is bounded is the cost of each extra row. For the rows below
(about 230 characters, with curly quotes) it was about 3,200 bytes per row before issue 8 (the
file decoded into one string, copied again by io.StringIO at four bytes per character, five
empty lists per record, every text a second time as a grouping key); now about 1,300.
"""

from __future__ import annotations

import csv
import io
import tracemalloc
from typing import Any

from coalition.recommendations.services import import_file

STATES = ["France", "Germany", "Brazil", "Japan", "Kenya", "Chile", "Norway", "India"]
REVIEWS = [("China", 31), ("Viet Nam", 32), ("Egypt", 34), ("Mexico", 31)]


def upr_info_file(rows: int) -> bytes:
    """`rows` rows of distinct recommendations (about 200 characters each, with curly quotes,
    as real exports have), each made by one State, for four reviews."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org",
                     "Response", "Action", "Issue", "Session"])
    for n in range(rows):
        to, session = REVIEWS[n % len(REVIEWS)]
        text = (f"Take all measures needed, within recommendation number {n}, to guarantee the "
                f"right to \u201cpeaceful assembly\u201d and the State\u2019s obligations "
                f"under article {n % 30 + 1} of the Covenant, in law and in practice")
        writer.writerow([to, "", "", text, STATES[n % len(STATES)], "", "",
                         "Supported" if n % 3 else "Noted", str(n % 5 + 1),
                         "Freedom of assembly, Civil and political rights", str(session)])
    return out.getvalue().encode("utf-8")


def import_peak(db: Any, rows: int) -> int:
    """tracemalloc's peak while importing a file of `rows` rows (the file already in memory),
    then everything rolled back."""
    data = upr_info_file(rows)
    tracemalloc.start()
    try:
        report = import_file(None, "memory.csv", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        db.session.rollback()
    assert report.created == rows and not report.errors
    return peak


def test_memory_per_imported_row_is_bounded(app, db):
    import_peak(db, 100)  # warm up: reference data, statement caches, imports
    small, large = import_peak(db, 1_000), import_peak(db, 4_000)
    per_row = (large - small) / 3_000
    # About 1,300 now, 3,200 before issue 8.
    assert per_row < 2_000, f"{per_row:.0f} bytes per extra row"
