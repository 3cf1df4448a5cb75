"""Word count of a stakeholder submission as OHCHR counts it (issue 12, item 2): how long
coalition.submissions.ohchr.count_words takes on a 6,000-word draft, next to `len(text.split())`
(the cheapest possible count) in the same run.

    python bench/submission_wordcount.py [--words 6000] [--runs 200] [--json out.json]

The draft is realistic Markdown: sections, links, bold, a list, Chinese, footnotes (markers and
definitions) and an annex, so every rule of the count does work. Prints the median and p90 in
milliseconds. The browser's count (static/js/ohchr-wordcount.js) is timed by
tests/browser/test_ohchr_wordcount.py in Chromium.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from coalition.submissions.ohchr import count_words  # noqa: E402

PARAGRAPH = ("The State should guarantee the right to peaceful assembly, as recommended in "
             "[28.143](https://www.ohchr.org/en/hr-bodies/upr/cn-index), and repeal the "
             "**offences** of sedition.[^{n}] 香港的公民社會受到打壓。 ")


def draft(words: int) -> str:
    """A Markdown draft of about `words` words as OHCHR counts them (footnotes and an annex
    besides)."""
    parts: list[str] = []
    n = 0
    while count_words("\n\n".join(parts)) < words:
        n += 1
        if n % 10 == 1:
            parts.append(f"## Section {n}")
        parts.append((PARAGRAPH * 4).replace("{n}", str(n)))
        parts.append(f"- point one of {n}\n- point two")
    parts += [f"[^{i}]: Source number {i}, a report of 2023 with its address." for i in
              range(1, n + 1)]
    return "\n\n".join(parts) + "\n\n# Annex I\n\n" + "Annexed material. " * 500


def timed(function: Callable[[str], int], text: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        function(text)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json")
    args = parser.parse_args()
    text = draft(args.words)
    results = {}
    for name, function in (("ohchr.count_words", count_words),
                           ("len(text.split())", lambda t: len(t.split()))):
        runs = sorted(timed(function, text, args.runs))
        results[name] = {"count": function(text), "median_ms": statistics.median(runs),
                         "p90_ms": runs[int(len(runs) * 0.9) - 1]}
    print(f"Draft: {len(text):,} characters, {count_words(text):,} words as OHCHR counts "
          f"({len(text.split()):,} whitespace tokens with footnotes and annex); "
          f"{args.runs} runs")
    print(f"{'function':<20} {'count':>7} {'median ms':>10} {'p90 ms':>8}")
    for name, r in results.items():
        print(f"{name:<20} {r['count']:>7,} {r['median_ms']:>10.2f} {r['p90_ms']:>8.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
