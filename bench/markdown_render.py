"""Markdown rendering benchmark: worst-case inputs against a plain-prose baseline.

(Not named markdown.py: the scripts of bench/ run with bench/ first on sys.path, where a
markdown.py would shadow the `markdown` package for all of them.)

    python bench/markdown_render.py [--chars 200000] [--before-chars 20000] [--timeout 30]
                             [--only NAME ...] [--json out.json]

For each construct known to make Python-Markdown slow (runs of `[`, `![`, `*`, `_`, backticks,
`<`, unclosed tags, nested blockquotes and lists, long reference definitions, huge tables,
...), a text of --chars characters (200,000: the longest statement the platform accepts) is
rendered by coalition.core.markdown.render_html, the bounded renderer, and its seconds are
printed next to 200,000 characters of ordinary prose rendered in the same run. Target: under
1 s for every input.

"before" renders the same construct, cut to --before-chars (20,000 by default, since at
200,000 some would run for hours), with the unbounded renderer the platform used until issue 7
(markdown.markdown + nh3.clean on the whole text), stopped after --timeout seconds (SIGALRM,
so Unix only). A RecursionError (a 500 for the user) is reported as such.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from coalition.core.markdown import (  # noqa: E402
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    EXTENSIONS,
    render_html,
)

PROSE = ("The State party should ensure the independence of lawyers and human rights defenders, "
         "release those detained arbitrarily, and *repeal* the [vague provisions](https://"
         "example.org/law) of the national security law.\n\n")


def repeat(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


def nested_quotes(n: int) -> str:
    lines, depth = [], 1
    while sum(len(x) + 1 for x in lines) < n:
        lines.append(">" * depth + " x")
        depth += 1
    return "\n".join(lines)[:n]


def nested_list(n: int) -> str:
    lines, depth = [], 0
    while sum(len(x) + 1 for x in lines) < n:
        lines.append("    " * depth + "- x")
        depth += 1
    return "\n".join(lines)[:n]


def table(n: int) -> str:
    cells = n // 4
    return "|a" * cells + "|\n" + "|-" * cells + "|\n"


def many_tables(n: int) -> str:
    return repeat("| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |\n\n")(n)


CASES: dict[str, Callable[[int], str]] = {
    "prose (baseline)": repeat(PROSE),
    "[ run": repeat("["),
    "] run": repeat("]"),
    "![ run": repeat("!["),
    "[] pairs": repeat("[]"),
    "[[[ ]]] nested": lambda n: "[" * (n // 2) + "]" * (n - n // 2),
    "[a]( run": repeat("[a]("),
    "[x][ run": repeat("[x]["),
    "[` run": repeat("[`"),
    "`[ run": repeat("`["),
    "* run": repeat("*"),
    "*a run": repeat("*a"),
    "**a run": repeat("**a"),
    "_ run": repeat("_"),
    "_a_ run": repeat("_a "),
    "` run": repeat("`"),
    "``a run": repeat("``a"),
    "\\ run": repeat("\\"),
    "< run": repeat("<"),
    "<a unclosed tags": repeat("<a "),
    "<div> tags": repeat("<div>"),
    "<!-- run": repeat("<!--"),
    "<http autolinks": repeat("<http://a"),
    "& run": repeat("&"),
    "> run (one line)": repeat(">"),
    "> nested quotes": nested_quotes,
    "nested list": nested_list,
    "1. on one line": repeat("1. "),
    "- > on one line": repeat("- > "),
    "> - on one line": repeat("> - "),
    "reference definitions": repeat("[x]: http://example.org/a-long-link-reference\n"),
    "long reference": lambda n: "[x]: http://example.org/" + "a" * (n - 30) + "\n",
    "one huge table row": table,
    "many tables": many_tables,
    "# headings": repeat("#"),
    "indented code": repeat("    x\n"),
    "a line per char": repeat("a\n"),
    "blank lines": repeat("\n"),
    "~ run": repeat("~"),
    "mixed syntax": repeat("[*_`<a>\\&!|#"),
}


class Timeout(Exception):
    pass


def _alarm(*_: object) -> None:
    raise Timeout


def before(text: str) -> str:
    """The renderer before issue 7: the whole text through Python-Markdown, then nh3."""
    import markdown as md
    import nh3

    html = md.markdown(text, extensions=EXTENSIONS, output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


def timed(render: Callable[[str], str], text: str, timeout: int) -> str:
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    start = time.perf_counter()
    try:
        render(text)
    except Timeout:
        return f"> {timeout} s"
    except RecursionError:
        return "RecursionError"
    finally:
        signal.alarm(0)
    return f"{time.perf_counter() - start:.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=200_000)
    parser.add_argument("--before-chars", type=int, default=20_000)
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--no-before", action="store_true")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--json")
    args = parser.parse_args()
    results = {}
    print(f"{'input':24} {'after (' + format(args.chars, ',') + ')':>18} "
          f"{'before (' + format(args.before_chars, ',') + ')':>18}")
    for name, make in CASES.items():
        if args.only and name not in args.only:
            continue
        after = timed(render_html, make(args.chars), args.timeout)
        was = "" if args.no_before else timed(before, make(args.before_chars), args.timeout)
        results[name] = {"after": after, "before": was}
        print(f"{name:24} {after:>18} {was:>18}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
