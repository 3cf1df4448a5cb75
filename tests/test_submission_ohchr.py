"""OHCHR's rules for stakeholder submissions (issue 12, item 2): the word count as OHCHR counts
(footnotes and annexes excluded, Markdown syntax not counted, CJK), the limit by kind and cycle,
the sections OHCHR expects, numbered paragraphs, the DOCX export, and the over-limit rule on
sending (refused, unless a steering member gives a reason, which the history keeps)."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from coalition.audit.models import AuditEvent
from coalition.config import ConfigError, _word_limits
from coalition.extensions import db
from coalition.submissions import ohchr, services
from coalition.submissions.models import Submission
from tests import test_submissions
from tests.test_submissions import signed_in

review = test_submissions.review  # the fixture: China's 4th-cycle review

# (text, words as OHCHR counts them). The browser test runs the same texts through
# static/js/ohchr-wordcount.js and expects the same numbers.
VECTORS: list[tuple[str, int]] = [
    ("", 0),
    ("One two three.", 3),
    # footnotes: the markers and the definitions (with their indented continuation) excluded
    ("# Heading\n\nText with a footnote.[^1]\n\n[^1]: The note has several words.\n"
     "    And continues.\n", 5),
    ("Text[^a] and more[^long-label].\n\n[^a]: note a\nlazy continuation\n\nBack to text.\n\n"
     "[^long-label]: note b\n\n    indented para of note\n\nAfter.", 7),
    # annexes: from an annex heading on, in English or Chinese; "Annex" in a sentence counts
    ("Body words here.\n\n# Annex I\n\nAnnex words not counted.", 3),
    ("Body.\n\n## ANNEXES\n\nno", 1),
    ("Body.\n\n## **Annex**: list of cases\n\nno", 1),
    ("Body.\n\n## Appendix\n\nno", 1),
    ("Body.\n\n# 附件一\n\n不計算", 1),
    ("An annex in a sentence counts.\n\nAnnex I is not a heading.", 12),
    ("Footnote at end after annex.\n\n# Annex\n\nannex text[^9]\n\n[^9]: note", 5),
    # CJK: one word per character, punctuation not counted; kana and Bopomofo too
    ("香港人權\uff0c2019年。中文字「引號」", 11),
    ("Mixed 中文 and English 字", 6),
    ("日本語のテキスト、カタカナ。ㄅㄆㄇ", 15),
    ("Emoji 😀 words 𠀀𠀁 (astral Han)", 6),
    ("Hangul 한국어 단어", 3),
    # Markdown: link targets, images, reference definitions, tags, list numbers are not words
    ("See [the report](https://example.org/a/b?c=d) and ![alt text](img.png).", 4),
    ("<https://example.org/x> is one word; so is www.example.org.", 7),
    ("[ref]: https://example.org\n\nUse [the ref][ref] link.", 4),
    ("1. First item\n2. Second item\n   3) third\n\n- bullet one\n* bullet two\n+ bullet three",
     11),
    ("> quoted **bold** and _italic_ text\n> 2. quoted list", 7),
    ("Words — with dashes - and | pipes | and *** rules\n\n---\n\n***", 7),
    ("<b>html</b> tags <br> here", 3),
    ("# Title #\n\n####### not heading\n\n#nospace", 4),
    ("Numbers 10,000 and 3.5% and U.N. and follow-up and State's", 10),
    # line endings and spaces
    ("Line\r\nwith CRLF\rand CR", 5),
    ("Non\u00a0breaking\u3000ideographic\u2003em space", 5),
    ("Text \u2028 separator\u20281. not a list", 6),
    ("Ü ö ß café naïve", 5),
]


@pytest.mark.parametrize(("text", "expected"), VECTORS)
def test_count_words(text: str, expected: int) -> None:
    assert ohchr.count_words(text) == expected


def test_a_long_text_counts_as_many_words_as_it_has() -> None:
    paragraph = "The State should guarantee the freedom of peaceful assembly in law. " * 10
    text = "\n\n".join([paragraph] * 60)  # 6,600 words
    assert ohchr.count_words(text) == len(text.split())
    assert ohchr.count_words(text + "\n\n# Annex\n\n" + text) == len(text.split())


def fake(kind: str = "individual", cycle: int | None = 4) -> Any:
    review = SimpleNamespace(cycle=cycle) if cycle is not None else None
    return SimpleNamespace(kind=kind, review=review)


def test_limits_by_kind_and_cycle(app: Any) -> None:
    with app.app_context():
        assert ohchr.word_limit(fake("individual")) == 2815
        assert ohchr.word_limit(fake("joint")) == 5630
        assert ohchr.word_limit(fake("joint", 3)) == 5630
        assert ohchr.word_limit(fake("joint", 6)) == 5630  # later cycles keep the last limits
        assert ohchr.word_limit(fake("individual", None)) == 2815
        app.config["SUBMISSION_WORD_LIMITS"] = {5: {"individual": 3000}}
        assert ohchr.word_limit(fake("individual", 5)) == 3000
        assert ohchr.word_limit(fake("joint", 5)) == 5630  # not given: OHCHR's
        assert ohchr.word_limit(fake("individual", 6)) == 3000  # the nearest earlier cycle
        assert ohchr.word_limit(fake("individual", 4)) == 2815  # earlier cycles unchanged
    limits = {4: {"individual": 100, "joint": 200}}
    assert ohchr.word_limit(fake("joint"), limits) == 200


def test_the_word_limits_setting_is_read_and_checked() -> None:
    assert _word_limits("") == {}
    assert _word_limits('{"5": {"individual": 3000, "joint": 6000}}') == {
        5: {"individual": 3000, "joint": 6000}}
    for bad in ("{", '{"x": {}}', '{"5": {"solo": 3}}', '{"5": {"joint": 0}}', "[1]"):
        with pytest.raises(ConfigError):
            _word_limits(bad)


ENGLISH = """# Joint submission

Submitted by Owning Organisation (OWN) and Other Organisation.

## About the submitting organisations

Owning Organisation works on civic space.

## Period covered

Since the third cycle review in 2018.

## Follow-up of the previous review's recommendations

Recommendation 28.1 was not implemented.
"""

CHINESE = """# 聯合提交

提交機構\uff1aOwning Organisation、Other Organisation。

## 機構簡介

本機構關注公民空間。

## 涵蓋期間

自2018年第三輪審議以來。

## 跟進上一次審議的建議

建議28.1未獲落實。
"""


def codes(warnings: list[Any]) -> set[str]:
    return {w.code for w in warnings}


def joint_with(lead: str, confirmed: list[tuple[str, str]], invited: list[str] = ()) -> Any:
    participants = [SimpleNamespace(state="confirmed",
                                    organisation=SimpleNamespace(name=n, short_name=s))
                    for n, s in confirmed]
    participants += [SimpleNamespace(state="invited",
                                     organisation=SimpleNamespace(name=n, short_name=None))
                     for n in invited]
    return SimpleNamespace(kind="joint", review=SimpleNamespace(cycle=4, display_title="China"),
                           title="Joint", participants=participants,
                           lead_organisation=SimpleNamespace(name=lead, short_name=None))


def test_section_warnings_in_english_and_chinese(app: Any) -> None:
    with app.test_request_context():
        assert ohchr.section_warnings(ENGLISH) == []
        assert ohchr.section_warnings(CHINESE) == []
        assert codes(ohchr.section_warnings("Just text.")) == {"organisation", "period",
                                                               "follow_up"}
        # Only headings count: a sentence about the period is not the section.
        only_body = "# Title\n\nThe period covered starts in 2018; follow-up was poor."
        assert codes(ohchr.section_warnings(only_body)) == {"organisation", "period",
                                                            "follow_up"}
        # A section inside the annexes does not count either.
        annexed = ENGLISH.replace("## Follow-up", "# Annex\n\n## Follow-up")
        assert codes(ohchr.section_warnings(annexed)) == {"follow_up"}
        message = str(ohchr.section_warnings("Text.")[0].message)
        assert "OHCHR" in message


def test_a_joint_submission_names_its_organisations_at_the_top(app: Any) -> None:
    submission = joint_with("Owning Organisation", [("Other Organisation", "OTH"),
                                                    ("Third Org", "THR")], ["Waiting Org"])
    with app.test_request_context():
        warnings = ohchr.section_warnings(ENGLISH, submission)
        assert [w.names for w in warnings if w.code == "co_submitters"] == [("Third Org",)]
        # The short name will do; an organisation still invited is not expected.
        named = ENGLISH.replace("Other Organisation.", "Other Organisation and THR.")
        assert "co_submitters" not in codes(ohchr.section_warnings(named, submission))
        # Named only further down: not at the top.
        late = ENGLISH + "\n## Thanks\n\nWith Third Org.\n"
        assert "co_submitters" in codes(ohchr.section_warnings(late, submission))
        zh = ohchr.section_warnings(CHINESE, joint_with("Owning Organisation",
                                                        [("Other Organisation", None)]))
        assert zh == []


def test_numbered_paragraphs() -> None:
    text = ("# Title\n\nFirst paragraph.[^1]\n\n## Section\n\n1. A list item\n2. another\n\n"
            "Second\nline of the same paragraph.\n\n[^1]: A note.\n\n# Annex\n\nNot numbered.")
    assert ohchr.numbered_paragraphs(text) == [
        (1, "First paragraph.[^1]"), (2, "A list item"), (3, "another"),
        (4, "Second\nline of the same paragraph.")]
    assert ohchr.numbered_paragraphs("") == []


def read_docx(data: bytes) -> list[str]:
    from docx import Document

    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_docx_has_the_organisations_at_the_top_and_numbered_paragraphs(app: Any) -> None:
    submission = joint_with("Owning Organisation", [("Other Organisation", "OTH")],
                            ["Waiting Org"])
    text = ENGLISH + ("\nA [linked](https://example.org) **bold** sentence.[^n]\n\n"
                      "[^n]: The source, 2023.\n\n# Annex I\n\nAnnexed table.\n")
    with app.test_request_context():
        paragraphs = read_docx(ohchr.docx_bytes(submission, text))
    assert paragraphs[0] == "Joint"
    top = paragraphs[:6]
    assert "Joint submission by:" in top
    at = top.index("Joint submission by:")
    assert top[at + 1:at + 3] == ["Owning Organisation", "Other Organisation"]
    assert "Waiting Org" not in paragraphs  # not confirmed: not on the submission
    assert any(p.startswith(f"Word count: {ohchr.count_words(text)} (limit 5,630")
               for p in top)
    body = [p for p in paragraphs if p[:1].isdigit() and ".\t" in p[:4]]
    assert body[0] == "1.\tSubmitted by Owning Organisation (OWN) and Other Organisation."
    assert body[-1] == "5.\tA linked bold sentence.1"
    assert "About the submitting organisations" in paragraphs  # a heading, not numbered
    notes = paragraphs.index("Endnotes")
    assert paragraphs[notes + 1] == "1\tThe source, 2023."
    assert paragraphs.index("Annex I") > notes
    assert paragraphs[-1] == "Annexed table."


def test_docx_of_an_individual_submission_has_no_list(app: Any) -> None:
    submission = SimpleNamespace(kind="individual", title="Alone", participants=[],
                                 review=SimpleNamespace(cycle=4, display_title="China"),
                                 lead_organisation=SimpleNamespace(name="Owning", short_name=""))
    with app.test_request_context():
        paragraphs = read_docx(ohchr.docx_bytes(submission, "A text.\n\nAnother."))
    assert "Joint submission by:" not in paragraphs
    assert paragraphs[-2:] == ["1.\tA text.", "2.\tAnother."]
    # Characters Word's XML forbids (pasted from elsewhere) become spaces, not a failure.
    with app.test_request_context():
        pasted = read_docx(ohchr.docx_bytes(submission, "Form\x0cfeed and \x00NUL."))
    assert pasted[-1] == "1.\tForm feed and  NUL."


# --- the over-limit rule, through the service and the pages -----------------------------------

LONG = "word " * 2816  # one over the individual limit
FITS = "word " * 2815


def events(submission: Submission, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "submission", AuditEvent.object_id == submission.id,
        AuditEvent.action == action)))


def test_service_drafts_may_be_long_sending_is_refused_over_the_limit(
        app: Any, world: Any, review: Any) -> None:
    editor = world.users["editor"]
    submission = services.create_submission(editor, review, "Long", "individual", world.org)
    with pytest.raises(services.ServiceError) as refused:
        services.change_status(editor, submission, "submitted", text=LONG)
    assert refused.value.field == "status"
    assert "2,816" in refused.value.message and "2,815" in refused.value.message
    # Not a steering member: a reason does not help.
    with pytest.raises(services.ServiceError):
        services.change_status(editor, submission, "submitted", text=LONG,
                               override_reason="Urgent")
    assert submission.status == "draft"
    services.change_status(editor, submission, "submitted", text=FITS)
    assert submission.status == "submitted"
    assert events(submission, "submission.submitted")[0].changes["word_count"] == [None, 2815]
    # Back to draft: a draft may be over the limit (no text check on the way back).
    services.change_status(editor, submission, "draft", text=LONG)
    assert submission.status == "draft"


def test_steering_member_overrides_with_a_reason(app: Any, world: Any, review: Any) -> None:
    steering = world.users["steering"]
    submission = services.create_submission(steering, review, "Steering's", "individual",
                                            world.steering_org)
    with pytest.raises(services.ServiceError) as refused:
        services.change_status(steering, submission, "submitted", text=LONG,
                               override_reason="   ")
    assert refused.value.field == "override_reason"
    with pytest.raises(services.ServiceError) as too_long:
        services.change_status(steering, submission, "submitted", text=LONG,
                               override_reason="x" * 501)
    assert too_long.value.field == "override_reason"
    services.change_status(steering, submission, "submitted", text=LONG,
                           override_reason="OHCHR's focal point agreed by e-mail.")
    assert submission.status == "submitted"
    changes = events(submission, "submission.submitted")[0].changes
    assert changes["override_reason"] == [None, "OHCHR's focal point agreed by e-mail."]
    assert changes["word_count"] == [None, 2816]


@pytest.fixture
def long_text(monkeypatch: Any) -> None:
    """The drafting package gives services.current_text; here, a text one word too long."""
    monkeypatch.setattr(services, "current_text", lambda submission: LONG)


def test_page_refuses_sending_over_the_limit_keeping_the_reason(
        app: Any, world: Any, review: Any, long_text: None) -> None:
    submission = services.create_submission(world.users["editor"], review, "Long",
                                            "individual", world.org)
    db.session.commit()
    editor = signed_in(app, "editor@example.org")
    page = editor.client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert 'name="override_reason"' not in page  # not a steering member
    response = editor.post(f"/submissions/{submission.id}/status",
                           data={"status": "submitted", "on": "",
                                 "override_reason": "Because I say so"})
    assert response.status_code == 400
    assert "over OHCHR&#39;s limit of 2,815" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status == "draft"
    assert events(submission, "submission.submitted") == []


def test_page_steering_override_is_recorded_and_shown(app: Any, world: Any, review: Any,
                                                      long_text: None) -> None:
    submission = services.create_submission(world.users["steering"], review, "Steering's",
                                            "individual", world.steering_org)
    db.session.commit()
    steering = signed_in(app, "steering@example.org")
    url = f"/submissions/{submission.id}"
    assert 'name="override_reason"' in steering.client.get(url).get_data(as_text=True)
    refused = steering.post(f"{url}/status", data={"status": "submitted", "on": "",
                                                   "override_reason": ""})
    assert refused.status_code == 400
    assert "give the reason" in refused.get_data(as_text=True)
    # A reason over 500 characters: refused, and the typed text comes back in the form.
    typed = "Agreed with OHCHR. " * 30
    kept = steering.post(f"{url}/status", data={"status": "submitted", "on": "",
                                                "override_reason": typed})
    assert kept.status_code == 400
    assert typed.strip() in kept.get_data(as_text=True)
    sent = steering.post(f"{url}/status", data={"status": "submitted", "on": "",
                                                "override_reason": "Agreed with OHCHR."})
    assert sent.status_code == 302
    page = steering.client.get(url).get_data(as_text=True)
    assert "Agreed with OHCHR." in page and "Reason for sending it over the word limit" in page
    assert "2,816" in page or "2816" in page


def test_docx_download(app: Any, world: Any, review: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "current_text",
                        lambda submission: "## About us\n\nWe work on rights.")
    submission = services.create_submission(world.users["editor"], review, "Docx",
                                            "individual", world.org)
    db.session.commit()
    editor = signed_in(app, "editor@example.org")
    response = editor.client.get(f"/submissions/{submission.id}/docx")
    assert response.status_code == 200
    assert response.mimetype == ohchr_docx_type()
    assert "attachment" in response.headers["Content-Disposition"]
    paragraphs = read_docx(response.data)
    assert paragraphs[0] == "Docx" and "1.\tWe work on rights." in paragraphs
    outsider = signed_in(app, "oeditor@example.org")
    assert outsider.client.get(f"/submissions/{submission.id}/docx").status_code in (403, 404)


def ohchr_docx_type() -> str:
    from coalition.submissions.views import DOCX_MIMETYPE

    return DOCX_MIMETYPE


def test_wordcount_include_renders_the_count_and_translated_templates(app: Any) -> None:
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string(
            '{% with textarea_id="text", count=6000, limit=5630 %}'
            '{% include "submissions/_wordcount.html" %}{% endwith %}')
    assert 'data-wordcount-for="text"' in html and 'aria-live="polite"' in html
    assert "6,000 / 5,630 words: 370 over the limit" in html
    assert 'data-template="{count} / {limit} words"' in html
    assert "js/ohchr-wordcount.js" in html


def test_warnings_include_lists_the_warnings(app: Any) -> None:
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string(
            '{% with warnings=w %}{% include "submissions/_ohchr_warnings.html" %}{% endwith %}',
            w=ohchr.section_warnings("Just text."))
        empty = render_template_string(
            '{% with warnings=w %}{% include "submissions/_ohchr_warnings.html" %}{% endwith %}',
            w=[])
    assert html.count("<li") == 3 and "ohchr-warning-follow_up" in html
    assert empty.strip() == ""


def test_paragraphs_numbered_as_a_list_are_each_numbered(app: Any, world: Any,
                                                        review: Any) -> None:
    """A new user's text "1. ...\\n2. ..." (no blank line) was one paragraph "3." in the DOCX:
    each ordered item is its own numbered paragraph; a bulleted list stays within its paragraph."""
    text = ("Intro paragraph.\n\n1. The Government should act.\n2. Developments since the "
            "last review.\n\nA list:\n- first\n- second\n")
    assert ohchr.numbered_paragraphs(text) == [
        (1, "Intro paragraph."), (2, "The Government should act."),
        (3, "Developments since the last review."), (4, "A list:\n- first\n- second")]
    submission = services.create_submission(world.users["editor"], review, "Listed",
                                            "individual", world.org)
    db.session.commit()
    paragraphs = read_docx(ohchr.docx_bytes(submission, text))
    assert "2.\tThe Government should act." in paragraphs
    assert "3.\tDevelopments since the last review." in paragraphs
    assert ohchr.count_words(text) == ohchr.count_words(text.replace("\n2.", "\n\n2."))
