"""The column tables of docs/export.md, generated from coalition.exports.columns.

    python -m coalition.exports.docs            # rewrite the tables in docs/export.md
    python -m coalition.exports.docs --check    # exit 1 if the docs and the columns disagree

The tables sit between `<!-- columns:NAME -->` and `<!-- /columns:NAME -->` markers.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from coalition.exports.columns import (
    ASSESSMENT_COLUMNS,
    RECOMMENDATION_COLUMNS,
    RESPONSE_COLUMNS,
    ExportColumn,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "export.md"
TABLES = {"recommendations": RECOMMENDATION_COLUMNS, "responses": RESPONSE_COLUMNS,
          "assessments": ASSESSMENT_COLUMNS}


def table(columns: tuple[ExportColumn, ...]) -> str:
    """A Markdown table: column, type, several values?, description."""
    lines = ["| Column | Type | Several values | Description |", "|---|---|---|---|"]
    for c in columns:
        description = c.description.replace("|", "\\|")
        lines.append(f"| `{c.name}` | {c.type} | {'yes, joined by `|`' if c.many else ''} "
                     f"| {description} |".replace("`|`", "`\\|`"))
    return "\n".join(lines)


def rendered(text: str) -> str:
    """`text` (docs/export.md) with each marked table regenerated."""
    for name, columns in TABLES.items():
        pattern = re.compile(rf"(<!-- columns:{name} -->\n)(?:.*?\n)?(<!-- /columns:{name} -->)",
                             re.S)
        if not pattern.search(text):
            raise ValueError(f"docs/export.md has no <!-- columns:{name} --> block")
        text = pattern.sub(lambda m, c=columns: m.group(1) + table(c) + "\n" + m.group(2), text)
    return text


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = DOC.read_text(encoding="utf-8")
    new = rendered(text)
    if "--check" in args:
        if new != text:
            print("docs/export.md disagrees with coalition/exports/columns.py: run "
                  "python -m coalition.exports.docs", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
