"""The statement text engine: merging concurrent edits loses nothing, diffs, blame, word counts.

Plain functions on strings: no app, no database.
"""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from coalition.statements.text import (
    Conflict,
    MergeResult,
    blame,
    diff_html,
    merge,
    resolve,
    side_by_side,
    with_markers,
    word_count,
    word_diff,
)

STATEMENT = """# Joint statement on the adoption of China's UPR outcome

Mr President, this statement is delivered on behalf of a coalition of organisations.

We regret that China rejected recommendations on the release of detained human rights lawyers.

We call on the Government to allow independent access to Xinjiang and Tibet.

We urge the Council to follow up on the implementation of accepted recommendations.

Thank you, Mr President.
"""

# An ideograph is a word of its own, as the merge tokenises it: `\w+` alone would read
# "we中we" as one word, so a merge that kept "we" and "中" but not a deleted "we" looked lossy
# (hypothesis found it: base "中we", theirs "中", mine "we中we" merge to "we中", correctly).
WORD_RE = re.compile(r"[\u4e00-\u9fff]|[^\W\u4e00-\u9fff]+")


def words(text: str) -> Counter[str]:
    return Counter(WORD_RE.findall(text))


def missing(added: Counter[str], text: str) -> dict[str, int]:
    """Words added (with their count) that `text` does not hold as often.

    Counted as substrings: a merge may legitimately join a word to its neighbour (one side
    deleted the space next to where the other side wrote), which must not count as a loss.
    """
    return {word: n for word, n in added.items() if text.count(word) < n}


def check_nothing_lost(base: str, theirs: str, mine: str) -> MergeResult:
    """Every word either side added is in the merged text or, for mine, in a kept conflict."""
    result = merge(base, theirs, mine)
    text = result.text
    added_by_mine = words(mine) - words(base)
    added_by_theirs = words(theirs) - words(base)
    if result.clean:
        assert not missing(added_by_mine, text)
    else:
        assert not missing(added_by_mine, "\n".join([text, *(c.mine for c in result.conflicts)]))
    # The head's text is never corrupted: what theirs added is in the text itself.
    assert not missing(added_by_theirs, text)
    assert "<<<<<<<" not in text or "<<<<<<<" in theirs + mine
    # The parts describe the same text, and resolving every conflict as "theirs" gives it back.
    assert resolve(base, theirs, mine, ["theirs"] * len(result.conflicts)) == text
    for conflict in result.conflicts:
        assert text[conflict.offset:conflict.offset + len(conflict.theirs)] == conflict.theirs
    return result


# --- merge -----------------------------------------------------------------------------------


def test_edits_in_different_paragraphs_merge_cleanly() -> None:
    theirs = STATEMENT.replace("We regret that", "We deeply regret that")
    mine = STATEMENT.replace("Thank you, Mr President.", "Thank you.")
    result = merge(STATEMENT, theirs, mine)
    assert result.clean and result.conflicts == []
    assert "We deeply regret that" in result.text
    assert result.text.endswith("Thank you.\n")
    assert result.text == STATEMENT.replace("We regret that", "We deeply regret that").replace(
        "Thank you, Mr President.", "Thank you."
    )


def test_edits_in_distant_paragraphs_of_a_long_statement() -> None:
    paragraphs = [f"Paragraph {i} says something about recommendation {i}." for i in range(300)]
    base = "\n\n".join(paragraphs) + "\n"
    theirs = base.replace("Paragraph 10 says", "Paragraph 10 firmly says")
    mine = base.replace("recommendation 250.", "recommendation 250, again.")
    result = merge(base, theirs, mine)
    assert result.clean
    assert "Paragraph 10 firmly says" in result.text
    assert "recommendation 250, again." in result.text
    assert len(result.text) == len(base) + len(" firmly") + len(", again")


def test_same_edit_on_both_sides_is_not_a_conflict() -> None:
    edited = STATEMENT.replace("independent access", "unfettered access")
    result = merge(STATEMENT, edited, edited)
    assert result.clean
    assert result.text == edited
    # Also when each side made a further, different edit elsewhere.
    theirs = edited.replace("Mr President, this", "Mr President, This")
    mine = edited.replace("Thank you,", "Thanks,")
    result = merge(STATEMENT, theirs, mine)
    assert result.clean
    assert "unfettered access" in result.text
    assert "unfettered unfettered" not in result.text


def test_word_level_merge_of_two_edits_in_the_same_line() -> None:
    line = "We call on the Government to allow independent access to Xinjiang and Tibet."
    theirs = STATEMENT.replace(line, line.replace("We call on", "We urgently call on"))
    mine = STATEMENT.replace(
        line, line.replace("Xinjiang and Tibet", "Xinjiang, Tibet and Hong Kong")
    )
    result = merge(STATEMENT, theirs, mine)
    assert result.clean
    assert (
        "We urgently call on the Government to allow independent access to Xinjiang, Tibet and "
        "Hong Kong." in result.text
    )


def test_addition_next_to_a_reworded_paragraph_merges() -> None:
    # diff3 would call this a conflict (the changes touch); for prose both belong in the text.
    anchor = "We call on the Government to allow independent access to Xinjiang and Tibet.\n"
    addition = "\nWe also ask for a visit by the High Commissioner.\n"
    theirs = STATEMENT.replace(anchor, anchor + addition)
    mine = STATEMENT.replace("independent access", "unhindered access")
    result = merge(STATEMENT, theirs, mine)
    assert result.clean
    assert "unhindered access to Xinjiang and Tibet.\n\nWe also ask for a visit" in result.text


def test_true_clash_is_a_conflict_with_both_versions() -> None:
    theirs = STATEMENT.replace("We regret that", "We strongly regret that")
    mine = STATEMENT.replace("We regret that", "We deplore that")
    result = merge(STATEMENT, theirs, mine)
    assert not result.clean
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert isinstance(conflict, Conflict)
    assert conflict.index == 0
    assert conflict.base.startswith("We regret that")
    assert conflict.theirs.startswith("We strongly regret that")
    assert conflict.mine.startswith("We deplore that")
    # The head text is never corrupted with markers: it keeps theirs.
    assert result.text == theirs
    assert "<<<<<<<" not in result.text

    marked = with_markers(result)
    assert (
        "<<<<<<< theirs\nWe strongly regret that China rejected recommendations on the release "
        "of detained human rights lawyers.\n=======\nWe deplore that China rejected "
        "recommendations on the release of detained human rights lawyers.\n>>>>>>> mine\n"
    ) in marked
    assert marked.startswith("# Joint statement")
    assert marked.endswith("Thank you, Mr President.\n")

    assert resolve(STATEMENT, theirs, mine, ["theirs"]) == theirs
    assert resolve(STATEMENT, theirs, mine, ["mine"]) == mine
    both = resolve(STATEMENT, theirs, mine, ["both"])
    assert both.index("We strongly regret that") < both.index("We deplore that")
    # Kept as two paragraphs, not run together into one.
    assert "human rights lawyers.\n\nWe deplore that" in both
    custom = resolve(STATEMENT, theirs, mine, ["We condemn that China rejected them.\n"])
    assert "We condemn that China rejected them.\n\nWe call on" in custom
    assert "regret" not in custom and "deplore" not in custom
    with pytest.raises(ValueError, match="1 conflict"):
        resolve(STATEMENT, theirs, mine, [])


def test_clash_keeps_the_rest_of_both_edits() -> None:
    theirs = STATEMENT.replace("We regret that", "We strongly regret that").replace(
        "Thank you,", "Thank you very much,"
    )
    mine = STATEMENT.replace("We regret that", "We deplore that").replace(
        "Mr President, this", "Madam President, this"
    )
    result = merge(STATEMENT, theirs, mine)
    assert len(result.conflicts) == 1
    assert "Madam President, this" in result.text
    assert "Thank you very much," in result.text
    final = resolve(STATEMENT, theirs, mine, ["mine"])
    assert "We deplore that" in final and "Madam President" in final and "very much" in final


def test_several_conflicts_are_numbered_in_order() -> None:
    theirs = STATEMENT.replace("regret", "lament").replace("urge", "ask")
    mine = STATEMENT.replace("regret", "deplore").replace("urge", "implore")
    result = merge(STATEMENT, theirs, mine)
    assert [c.index for c in result.conflicts] == [0, 1]
    assert "lament" in result.conflicts[0].theirs and "implore" in result.conflicts[1].mine
    final = resolve(STATEMENT, theirs, mine, ["mine", "theirs"])
    assert "deplore" in final and "ask the Council" in final
    assert with_markers(result).count("<<<<<<< theirs") == 2


def test_insertions_at_the_same_place() -> None:
    anchor = "Thank you, Mr President.\n"
    theirs = STATEMENT.replace(anchor, "We welcome the civil society side event.\n\n" + anchor)
    mine = STATEMENT.replace(anchor, "We thank the Special Rapporteurs.\n\n" + anchor)
    result = check_nothing_lost(STATEMENT, theirs, mine)
    # Which goes first is the editors' call: a conflict, and "both" keeps the two.
    assert not result.clean
    assert "Special Rapporteurs" in result.conflicts[0].mine
    assert result.text == theirs
    both = resolve(STATEMENT, theirs, mine, ["both"])
    assert "side event." in both and "Special Rapporteurs." in both
    assert both.endswith(anchor)
    # The same insertion on both sides is not a conflict.
    assert merge(STATEMENT, theirs, theirs).text == theirs


def test_deletion_against_edit_is_a_conflict() -> None:
    paragraph = (
        "We urge the Council to follow up on the implementation of accepted recommendations.\n\n"
    )
    theirs = STATEMENT.replace("follow up on", "closely monitor")
    mine = STATEMENT.replace(paragraph, "")
    result = check_nothing_lost(STATEMENT, theirs, mine)
    assert not result.clean
    assert "closely monitor" in result.text
    assert "closely monitor" in result.conflicts[0].theirs
    assert "follow up" not in result.conflicts[0].mine
    assert "closely monitor" not in resolve(STATEMENT, theirs, mine, ["mine"])
    # A deletion that does not touch the other side's edit merges.
    mine = STATEMENT.replace("Thank you, Mr President.\n", "")
    result = merge(STATEMENT, theirs, mine)
    assert result.clean
    assert "closely monitor" in result.text and "Thank you" not in result.text


def test_empty_base() -> None:
    assert merge("", "", "Draft by us.\n").text == "Draft by us.\n"
    assert merge("", "Draft by them.\n", "").text == "Draft by them.\n"
    assert merge("", "Same draft.\n", "Same draft.\n").clean
    result = check_nothing_lost("", "Draft by them.\n", "Draft by us.\n")
    assert not result.clean
    assert result.conflicts[0].base == ""
    assert result.conflicts[0].mine == "Draft by us.\n"
    assert resolve("", "Draft by them.\n", "Draft by us.\n", ["both"]) == (
        "Draft by them.\n\nDraft by us.\n"
    )
    assert merge("", "", "").text == ""


def test_crlf_input_merges_with_lf_head() -> None:
    # Browsers submit textareas with CRLF; the head may be stored with LF.
    theirs = STATEMENT.replace("We regret that", "We deeply regret that")
    mine = STATEMENT.replace("Thank you,", "Thanks,").replace("\n", "\r\n")
    result = merge(STATEMENT.replace("\n", "\r\n"), theirs, mine)
    assert result.clean
    assert "\r" not in result.text
    assert result.text == theirs.replace("Thank you,", "Thanks,")
    # Lone CR (old Mac) endings too.
    assert merge("a\rb\r", "a\rb\r", "a\rc\r").text == "a\nc\n"


def test_text_without_final_newline() -> None:
    base = "First line.\nLast line"
    result = merge(base, "First line!\nLast line", "First line.\nLast line, amended")
    assert result.clean
    assert result.text == "First line!\nLast line, amended"
    result = merge(base, base + " by them", base + " by us")
    assert not result.clean
    assert with_markers(result).endswith(
        "<<<<<<< theirs\nLast line by them\n=======\nLast line by us\n>>>>>>> mine\n"
    )


def test_chinese_text_merges_by_character() -> None:
    base = "我们呼吁中国政府释放所有被拘留的人权律师。\n\n我们欢迎审议。\n"
    theirs = base.replace("呼吁", "敦促")
    mine = base.replace("人权律师", "人权捍卫者")
    result = merge(base, theirs, mine)
    assert result.clean
    assert result.text == "我们敦促中国政府释放所有被拘留的人权捍卫者。\n\n我们欢迎审议。\n"
    clash = merge(base, base.replace("欢迎", "赞赏"), base.replace("欢迎", "注意到"))
    assert not clash.clean
    assert "注意到" in clash.conflicts[0].mine
    assert word_count(base) == len(re.findall(r"[\u4e00-\u9fff]", base))
    diff = word_diff(base, theirs)
    assert ("delete", "呼吁") in diff and ("insert", "敦促") in diff


def test_mixed_scripts_do_not_lose_text() -> None:
    base = "Délégation — नमस्ते दुनिया, مرحبا بالعالم 🌍 Ελλάδα.\n"
    theirs = base.replace("Délégation", "La délégation")
    mine = base.replace("🌍", "🌏")
    result = merge(base, theirs, mine)
    assert result.clean
    assert result.text == "La délégation — नमस्ते दुनिया, مرحبا بالعالم 🌏 Ελλάδα.\n"


# --- nothing submitted is lost: property checks ----------------------------------------------

VOCABULARY = ["we", "urge", "China", "the", "State", "release", "中", "国", ".", ",", "'", "#"]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "\r\n", "  "]


def random_text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(VOCABULARY) + rng.choice(SEPARATORS) for _ in range(size))


def random_edit(rng: random.Random, text: str) -> str:
    tokens = re.findall(r"\S+|\s+", text)
    for _ in range(rng.randint(0, 4)):
        action = rng.choice(["insert", "delete", "replace"])
        at = rng.randint(0, len(tokens))
        if action == "insert" or not tokens or at == len(tokens):
            tokens[at:at] = [rng.choice(VOCABULARY), rng.choice(SEPARATORS)]
        elif action == "delete":
            del tokens[at:at + rng.randint(1, 4)]
        else:
            tokens[at] = rng.choice(VOCABULARY)
    return "".join(tokens)


def test_nothing_lost_on_random_concurrent_edits() -> None:
    rng = random.Random(20181106)  # the date of China's third UPR
    outcomes = Counter()
    for _ in range(600):
        base = random_text(rng, rng.randint(0, 30))
        theirs = random_edit(rng, base) if rng.random() < 0.9 else random_text(rng, 10)
        mine = random_edit(rng, base) if rng.random() < 0.9 else random_text(rng, 10)
        result = check_nothing_lost(base, theirs, mine)
        outcomes[result.clean] += 1
    # Both outcomes were exercised.
    assert outcomes[True] > 50 and outcomes[False] > 50


def test_nothing_lost_property_with_hypothesis() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    token = st.sampled_from(VOCABULARY + SEPARATORS) | st.text(min_size=1, max_size=3)
    text = st.lists(token, max_size=25).map("".join)

    @st.composite
    def edited(draw: st.DrawFn, base: str) -> str:
        if draw(st.booleans()):
            return draw(text)
        tokens = re.findall(r"\S+|\s+", base)
        for _ in range(draw(st.integers(0, 3))):
            at = draw(st.integers(0, len(tokens)))
            tokens[at:at + draw(st.integers(0, 2))] = draw(st.lists(token, max_size=3))
        return "".join(tokens)

    @st.composite
    def triples(draw: st.DrawFn) -> tuple[str, str, str]:
        base = draw(text)
        return base, draw(edited(base)), draw(edited(base))

    @hypothesis.settings(max_examples=300, deadline=None, database=None)
    @hypothesis.given(triples())
    @hypothesis.example(("中we", "中", "we中we"))
    def check(triple: tuple[str, str, str]) -> None:
        base, theirs, mine = triple
        check_nothing_lost(base, theirs, mine)
        # Unchanged sides give the other side exactly (after newline normalisation).
        assert merge(base, base, mine).text == mine.replace("\r\n", "\n").replace("\r", "\n")
        assert merge(base, theirs, base).text == theirs.replace("\r\n", "\n").replace("\r", "\n")

    check()


# --- diffs -----------------------------------------------------------------------------------


def apply(diff: list[tuple[str, str]]) -> tuple[str, str]:
    old = "".join(text for op, text in diff if op != "insert")
    new = "".join(text for op, text in diff if op != "delete")
    return old, new


def test_word_diff_round_trip() -> None:
    new = STATEMENT.replace("We regret that", "We deeply regret that").replace(
        "Xinjiang and Tibet", "Tibet"
    )
    diff = word_diff(STATEMENT, new)
    assert apply(diff) == (STATEMENT, new)
    assert ("insert", "deeply ") in diff or ("insert", " deeply") in diff
    assert {op for op, _ in diff} == {"equal", "insert", "delete"}
    # Whole words, never parts of one.
    diff = word_diff("the State should act", "the States should act")
    assert ("delete", "State") in diff and ("insert", "States") in diff
    assert word_diff("same", "same") == [("equal", "same")]
    assert word_diff("", "") == []
    assert word_diff("", "new") == [("insert", "new")]


def test_word_diff_round_trip_on_random_texts() -> None:
    rng = random.Random(40)
    for _ in range(200):
        old = random_text(rng, rng.randint(0, 40)).replace("\r\n", "\n")
        new = random_edit(rng, old) if rng.random() < 0.7 else random_text(rng, 20)
        assert apply(word_diff(old, new)) == (old, new.replace("\r\n", "\n"))


def test_diff_html_escapes_text() -> None:
    html = diff_html("Say <b>no</b> & go", "Say <script>alert(1)</script> & go")
    assert "<script>" not in html
    assert "&lt;" in html and "&gt;" in html
    assert "<" not in re.sub(r"</?(ins|del)>", "", html)
    assert "<ins>" in html and "<del>" in html
    assert "&amp; go" in html
    assert str(diff_html("a b", "a c")) == "a <del>b</del><ins>c</ins>"


def test_side_by_side_rows() -> None:
    old = "Title\n\nFirst.\n\nSecond.\n\nThird.\n"
    new = "Title\n\nFirst, amended.\n\nThird.\n\nFourth.\n"
    rows = side_by_side(old, new)
    assert rows[0] == ("Title", "Title", "equal")
    assert ("First.", "First, amended.", "replace") in rows
    assert ("Second.", None, "delete") in rows
    assert (None, "Fourth.", "insert") in rows
    assert [r[0] for r in rows if r[0] is not None] == old.splitlines()
    assert [r[1] for r in rows if r[1] is not None] == new.splitlines()
    assert all(op != "equal" or left == right for left, right, op in rows)


# --- blame -----------------------------------------------------------------------------------


def authors_of(passages: list[tuple[str, object]], phrase: str) -> set[object]:
    """The authors of the passages that make up `phrase` in the blamed text."""
    text = "".join(p for p, _ in passages)
    start = text.index(phrase)
    end = start + len(phrase)
    found, pos = set(), 0
    for passage, author in passages:
        if pos < end and pos + len(passage) > start and passage[max(start - pos, 0):].strip():
            found.add(author)
        pos += len(passage)
    return found


def test_blame_attributes_passages_to_the_organisations_that_wrote_them() -> None:
    rev1 = STATEMENT
    rev2 = rev1.replace("independent access", "unhindered and independent access")
    rev3 = rev2.replace("Thank you, Mr President.", "We thank the Council.\n\nThank you.")
    rev4 = rev3.replace("We regret that", "We deeply regret that")
    rev5 = rev4.replace("Mr President, this", "Madam President, this")
    chain = [(rev1, "org-a"), (rev2, "org-b"), (rev3, "org-c"), (rev4, "org-b"), (rev5, "org-d")]
    passages = blame(chain)
    assert "".join(p for p, _ in passages) == rev5
    assert authors_of(passages, "unhindered and") == {"org-b"}
    assert authors_of(passages, "We thank the Council.") == {"org-c"}
    assert authors_of(passages, "deeply") == {"org-b"}
    assert authors_of(passages, "Madam") == {"org-d"}
    assert authors_of(passages, "rejected recommendations on the release") == {"org-a"}
    assert authors_of(passages, "# Joint statement") == {"org-a"}
    # Passages never span a line ending.
    assert all("\n" not in p[:-1] for p, _ in passages)


def test_blame_survives_a_restore() -> None:
    rev1 = STATEMENT
    rev2 = rev1.replace("We urge the Council", "The Council must")
    rev3 = rev2.replace("follow up on", "monitor")
    rev4 = rev1  # org-c restores the first revision
    rev5 = rev4.replace("Thank you,", "Thanks,")
    chain = [(rev1, "org-a"), (rev2, "org-b"), (rev3, "org-b"), (rev4, "org-c"), (rev5, "org-d")]
    passages = blame(chain)
    assert "".join(p for p, _ in passages) == rev5
    # The restored sentence is org-a's again, not the restorer's.
    assert authors_of(passages, "We urge the Council to follow up on") == {"org-a"}
    assert "org-c" not in {a for _, a in passages}
    assert authors_of(passages, "Thanks") == {"org-d"}


def test_blame_edge_cases() -> None:
    assert blame([]) == []
    assert blame([("", "org-a")]) == []
    assert blame([("One.\r\nTwo.", "org-a")]) == [("One.\n", "org-a"), ("Two.", "org-a")]
    passages = blame([("a b c", 1), ("a b c d", 2), ("a b c d", 3), ("中文", 4), ("中文字", 5)])
    assert passages == [("中文", 4), ("字", 5)]


def test_blame_on_random_chains() -> None:
    # Exercises the fast path (only the stretch between common prefix and suffix is diffed,
    # widened to token boundaries): the passages rebuild the text, and nobody is credited with
    # a word their revision did not contain.
    rng = random.Random(6)
    for _ in range(60):
        texts = [random_text(rng, 20).replace("\r\n", "\n")]
        for _ in range(6):
            texts.append(random_edit(rng, texts[-1]).replace("\r\n", "\n"))
        chain = [(t, i) for i, t in enumerate(texts)]
        passages = blame(chain)
        assert "".join(p for p, _ in passages) == texts[-1]
        # A word attributed to revision i was written in revision i: it is in that text.
        for passage, author in passages:
            for word in re.findall(r"[\u4e00-\u9fff]|[^\W\u4e00-\u9fff]+|\S", passage):
                assert word in texts[author]


# --- word count ------------------------------------------------------------------------------


def test_word_count_ignores_markdown_syntax() -> None:
    markdown = (
        "# Joint statement\n\n"
        "> **We urge** the State's _follow-up_ on [recommendation 26.1](https://example.org/a?b=c)"
        " and <https://upr-info.org>.\n\n"
        "* one\n* two\n\n---\n\n"
        "![logo](logo.png) [see][ref]\n\n"
        "[ref]: https://example.org/reference\n"
    )
    # Joint statement | We urge the State's follow-up on recommendation 26.1 and | one two |
    # logo see
    assert word_count(markdown) == 2 + 9 + 2 + 2
    assert word_count("") == 0
    assert word_count("*** --- ###") == 0
    assert word_count("中国的普遍定期审议") == 9
    assert word_count("Hong Kong, 中国") == 4
