"""A State's response words map explicitly to a position, and the words are kept (issue 8)."""

from __future__ import annotations

import pytest

from coalition.recommendations.importers.records import (
    POSITIONS,
    UnknownPositionError,
    is_pledge,
    map_position,
)

WORDS = [
    ("Supported", "supported"),
    ("Accepted", "supported"),
    ("Supported and already implemented", "supported"),
    ("Accepted and already implemented", "supported"),
    ("Already implemented", "supported"),
    ("Supported/Noted", "supported_in_part"),
    ("Supported / Noted", "supported_in_part"),
    ("Supported in part", "supported_in_part"),
    ("Partially supported", "supported_in_part"),
    ("Supported partially", "supported_in_part"),
    ("Partially accepted", "supported_in_part"),
    ("Accepted in part", "supported_in_part"),
    ("Noted", "noted"),
    ("Not supported", "noted"),
    ("Not Supported", "noted"),
    ("Rejected", "noted"),
    ("Not accepted", "noted"),
    ("Pending", "pending"),
    ("", "pending"),
    ("No response", "pending"),
    ("General response", "pending"),
    # Case, spacing and a stray full stop as cells have them.
    ("SUPPORTED", "supported"),
    ("  noted. ", "noted"),
    ("partially\u00a0supported", "supported_in_part"),
]


@pytest.mark.parametrize(("words", "position"), WORDS)
def test_each_word_maps_to_its_position_and_is_kept(words: str, position: str) -> None:
    assert map_position(words) == (position, words.strip())


def test_none_is_pending() -> None:
    assert map_position(None) == ("pending", "")


def test_every_position_is_reachable() -> None:
    assert {position for _, position in WORDS} == set(POSITIONS)


@pytest.mark.parametrize(
    "words",
    ["Voluntary Pledge", "Voluntary pledge", "VOLUNTARY PLEDGES", " Pledge ", "voluntary-pledge"],
)
def test_a_voluntary_pledge_is_a_pledge_that_the_state_supports(words: str) -> None:
    assert is_pledge(words)
    # The State under review committed itself: "supported", with its words kept as written.
    assert map_position(words) == ("supported", words.strip())


@pytest.mark.parametrize(
    "words", ["Supported", "Noted", "", None, "Pledged support", "Voluntary", "Supported pledge"]
)
def test_other_words_are_not_pledges(words: str | None) -> None:
    assert not is_pledge(words)


@pytest.mark.parametrize(
    "words", ["Considered", "Supported in principle", "Yes", "Partially", "Noted/Supported?!x"]
)
def test_unknown_words_are_refused_not_guessed(words: str) -> None:
    with pytest.raises(UnknownPositionError, match="unknown position"):
        map_position(words)
