// The live word count of a stakeholder submission against OHCHR's limit (issue 12, item 2).
//
// countWords() counts exactly as coalition/submissions/ohchr.py count_words() does (the rules
// are documented there; tests/browser/test_ohchr_wordcount.py runs both on the same texts):
// footnote definitions and markers, and everything from an annex heading on, are left out;
// Markdown syntax is not counted; each CJK character is one word. Keep the two in step.
//
// Every element with data-wordcount-for="<textarea id>" (templates/submissions/_wordcount.html)
// shows "1,234 / 5,630 words" for that textarea, and so does the element "<id>-wordcount" of any
// textarea[data-word-limit]. The texts come from the server (data-template, data-over-template,
// translated), with {count}, {limit} and {over} filled here. Progressive enhancement: without
// this script the count shown is the one of the last save.
"use strict";
(() => {
  const SPACE = "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const TOKEN = new RegExp(`[^${SPACE}]+`, "gu");
  const NOT_BLANK = new RegExp(`[^${SPACE}]`, "u");
  const CJK = "\\u3040-\\u30ff\\u3100-\\u312f\\u31a0-\\u31bf\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff"
    + "\\u{20000}-\\u{3134f}";
  const CJK_CHAR = new RegExp(`[${CJK}]`, "gu");
  const CJK_SPLIT = new RegExp(`[${CJK}\\u3000-\\u303f\\ufe10-\\ufe1f\\ufe30-\\ufe4f\\uff00-\\uff0f`
    + "\\uff1a-\\uff20\\uff3b-\\uff40\\uff5b-\\uff65]", "gu");
  const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
  const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+([^\n]*?))?(?:[ \t]+#+)?[ \t]*$/u;
  const ANNEX = /^(?:(?:annex(?:es)?|appendix|appendices)(?![A-Za-z])|附件|附錄|附录)/iu;
  const FOOTNOTE_DEF = new RegExp(`^ {0,3}\\[\\^[^\\]${SPACE}]+\\]:`, "u");
  const INDENTED = /^(?: {4}|\t)/u;
  const REFERENCE_DEF = new RegExp(`^ {0,3}\\[[^\\]\\n]+\\]:[ \\t]*[^${SPACE}]`, "u");
  const FOOTNOTE_REF = new RegExp(`\\[\\^[^\\]${SPACE}]+\\]`, "gu");
  const IMAGE = /!\[[^[\]\n]*\](?:\([^()\n]*\)|\[[^[\]\n]*\])?/gu;
  const LINK = /\[([^[\]\n]*)\](?:\([^()\n]*\)|\[[^[\]\n]*\])/gu;
  const AUTOLINK = new RegExp(`<((?:[A-Za-z][A-Za-z0-9+.-]{1,31}:|[^@${SPACE}<>]+@)[^<>${SPACE}]*)>`, "gu");
  const TAG = /<\/?[A-Za-z][^<>\n]*>/gu;
  // Python's re.MULTILINE "^" and "$" stop at "\n" only; JavaScript's "m" flag also at "\r",
  // U+2028 and U+2029: the line starts are written out instead.
  const ORDERED_MARKER = /(^|(?<=\n))((?:[ \t]*>)*[ \t]*)[0-9]{1,9}[.)](?=[ \t\n]|$)/gu;

  const EDGE_SPACE = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "gu");
  const strip = (text) => text.replace(EDGE_SPACE, "");
  const headingText = (line) => {
    const match = HEADING.exec(line);
    return match ? strip(match[2] || "") : null;
  };
  const isAnnexHeading = (line) => {
    const text = headingText(line);
    return text !== null && ANNEX.test(text.replace(/^[*_ \t]+|[*_ \t]+$/gu, ""));
  };

  // The body lines: no footnote definitions, nothing from the first annex heading on.
  const bodyLines = (markdown) => {
    const body = [];
    let inFootnote = false;
    let previousBlank = true;
    let inAnnex = false;
    for (const line of markdown.replace(/\r\n?/g, "\n").split("\n")) {
      const blank = !NOT_BLANK.test(line);
      const heading = headingText(line) !== null;
      if (FOOTNOTE_DEF.test(line)) {
        inFootnote = true;
      } else if (inFootnote && !heading && (blank || INDENTED.test(line) || !previousBlank)) {
        // a footnote's continuation
      } else {
        inFootnote = false;
        if (heading && !inAnnex && isAnnexHeading(line)) inAnnex = true;
        if (!inAnnex) body.push(line);
      }
      previousBlank = blank;
    }
    return body;
  };

  const visible = (text) => text.split("\n").filter((line) => !REFERENCE_DEF.test(line)).join("\n")
    .replace(FOOTNOTE_REF, "")
    .replace(IMAGE, " ")
    .replace(LINK, "$1")
    .replace(AUTOLINK, "$1")
    .replace(TAG, " ")
    .replace(ORDERED_MARKER, "$1$2");

  const countVisible = (text) => {
    const cjk = (text.match(CJK_CHAR) || []).length;
    const tokens = text.replace(CJK_SPLIT, " ").match(TOKEN) || [];
    let words = cjk;
    for (const token of tokens) if (LETTER_OR_DIGIT.test(token)) words += 1;
    return words;
  };

  const countWords = (markdown) => countVisible(visible(bodyLines(markdown || "").join("\n")));
  window.ohchrCountWords = countWords;

  // --- the live counter ---------------------------------------------------------------------
  const format = (n) => {
    try { return new Intl.NumberFormat(document.documentElement.lang || undefined).format(n); }
    catch (error) { return String(n); }
  };
  const fill = (template, values) => template
    .replace(/\{(\w+)\}/g, (match, name) => (name in values ? values[name] : match));

  const bind = (textarea, output) => {
    if (!textarea || !output || output.dataset.wordcountBound) return;
    output.dataset.wordcountBound = "1";
    if (output.id) {
      const described = (textarea.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (!described.includes(output.id)) {
        textarea.setAttribute("aria-describedby", [...described, output.id].join(" "));
      }
    }
    const limit = Number(output.dataset.limit || textarea.dataset.wordLimit) || 0;
    const template = output.dataset.template || "{count} / {limit}";
    const overTemplate = output.dataset.overTemplate || template;
    const update = () => {
      const count = countWords(textarea.value);
      const over = limit && count > limit;
      output.textContent = fill(over ? overTemplate : template, {
        count: format(count), limit: format(limit), over: format(over ? count - limit : 0),
      });
      output.classList.toggle("over-limit", Boolean(over));
      output.dataset.count = String(count);
    };
    // Counting 6,000 words takes a few milliseconds; still, count when typing pauses, not on
    // every key, so a long paste or key repeat never queues up work (and a screen reader's
    // polite live region is not flooded).
    let timer = null;
    textarea.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 150);
    });
    update();
  };

  const start = () => {
    document.querySelectorAll("[data-wordcount-for]").forEach((output) => {
      bind(document.getElementById(output.dataset.wordcountFor), output);
    });
    document.querySelectorAll("textarea[data-word-limit]").forEach((textarea) => {
      bind(textarea, document.getElementById(`${textarea.id}-wordcount`));
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
