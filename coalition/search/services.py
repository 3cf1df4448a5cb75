"""One search function over recommendation texts, the same results on SQLite and PostgreSQL.

SQLite keeps an FTS5 index (`recommendation_fts`, kept current by triggers); PostgreSQL a GIN
index on `to_tsvector('simple', text)`. Both tokenise into plain words without stemming or
stop words, and a query matches the recommendations containing every word of it, so the two
databases agree.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, func, literal_column, select, text

from coalition.extensions import db

# Names of the search structures that live outside the models' metadata (see migrations).
FTS_TABLE = "recommendation_fts"
PG_INDEX = "ix_recommendation_search"

_WORD = re.compile(r"\w+", re.UNICODE)
# Chinese, Japanese and Korean characters (CJK ideographs, kana, hangul).
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def searched_in_another_script(query: str) -> bool:
    """Does `query` have Chinese (or Japanese, Korean) characters? The recommendations are
    searched in the words the UN published them in (English), so such a search finds nothing:
    the tracker then says so (issue 10, a new user's walk)."""
    return _CJK.search(query or "") is not None


def query_words(query: str) -> list[str]:
    """The words of a search query, lower-cased; punctuation and operators are ignored."""
    return [w.casefold() for w in _WORD.findall(query or "")][:32]


def recommendation_match(query: str) -> ColumnElement[bool] | None:
    """A WHERE clause matching recommendations whose text has every word of `query`."""
    from coalition.recommendations.models import Recommendation

    words = query_words(query)
    if not words:
        return None
    if db.engine.dialect.name == "postgresql":
        tsquery = " & ".join(words)  # words are \w+ only: no tsquery operators can slip in
        return func.to_tsvector(literal_column("'simple'"), Recommendation.text).op("@@")(
            func.to_tsquery(literal_column("'simple'"), tsquery))
    fts_query = " ".join(f'"{w}"' for w in words)
    matching = select(literal_column("rowid")).select_from(text(FTS_TABLE)).where(
        literal_column(FTS_TABLE).op("MATCH")(fts_query))
    return Recommendation.id.in_(matching)


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    """Alembic filter: the search structures are made by hand in a migration, not by models."""
    return not (name and (name.startswith(FTS_TABLE) or name == PG_INDEX))


MATCH_PARAM = "search_match"


def recommendation_match_param() -> ColumnElement[bool]:
    """`recommendation_match` with the query as a bind parameter named MATCH_PARAM (its value:
    `match_value`), so that one statement serves every query (built and compiled once)."""
    from sqlalchemy import bindparam

    from coalition.recommendations.models import Recommendation

    if db.engine.dialect.name == "postgresql":
        return func.to_tsvector(literal_column("'simple'"), Recommendation.text).op("@@")(
            func.to_tsquery(literal_column("'simple'"), bindparam(MATCH_PARAM)))
    matching = select(literal_column("rowid")).select_from(text(FTS_TABLE)).where(
        literal_column(FTS_TABLE).op("MATCH")(bindparam(MATCH_PARAM)))
    return Recommendation.id.in_(matching)


def match_value(query: str) -> str | None:
    """The value of MATCH_PARAM for `query` on this database; None if it has no word."""
    words = query_words(query)
    if not words:
        return None
    if db.engine.dialect.name == "postgresql":
        return " & ".join(words)
    return " ".join(f'"{w}"' for w in words)
