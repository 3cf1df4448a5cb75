// What this script writes on a page, in the page's language (base.html's <body
// data-script-strings>, filled from coalition.i18n.SCRIPT_STRINGS); `{name}` placeholders are
// filled here.
const SCRIPT_STRINGS = (() => {
  try { return JSON.parse(document.body.dataset.scriptStrings || "{}"); }
  catch (error) { return {}; }
})();
const t = (key, fallback, values = {}) => (SCRIPT_STRINGS[key] || fallback)
  .replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));

// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !event.target.dataset.resubmitting && !window.confirm(message)) {
    event.preventDefault();
  }
});

// CSRF token: a token lives WTF_CSRF_TIME_LIMIT seconds (an hour). While a signed-in page is
// open, a fresh one is fetched when half of that has passed (and when the tab comes back into
// view), and a form whose token is stale is sent only after fetching a fresh one, so text typed
// after an hour is not refused.
const csrf = (() => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const url = meta && meta.dataset.refreshUrl;
  const maxAge = (Number(meta && meta.dataset.maxAge) || 3600) * 1000;
  let obtained = Date.now();
  const set = (token) => {
    meta.content = token;
    obtained = Date.now();
    document.querySelectorAll('input[name="csrf_token"]').forEach((input) => { input.value = token; });
  };
  // One request at a time: timers that fire together (a laptop waking up, a tab brought back)
  // share it, instead of a burst of responses racing to rewrite the session cookie (a burst
  // could overwrite the cookie that carries a just-saved page's message).
  let pending = null;
  const refresh = () => {
    if (!url) return Promise.reject(new Error("signed out"));
    if (pending) return pending;
    pending = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(`status ${r.status}`); return r.json(); })
      .then((r) => { set(r.csrf_token); return r.csrf_token; })
      .finally(() => { pending = null; });
    return pending;
  };
  const stale = () => Date.now() - obtained > maxAge / 2;
  const refreshIfStale = () => (url && stale() ? refresh().catch(() => null) : Promise.resolve());
  if (url) {
    window.setInterval(refreshIfStale, Math.min(maxAge / 6, 60000));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") refreshIfStale();
    });
    document.addEventListener("submit", (event) => {
      const form = event.target;
      if (event.defaultPrevented || form.dataset.resubmitting || !stale() || form.method.toLowerCase() !== "post"
          || !form.querySelector('input[name="csrf_token"]')) return;
      event.preventDefault();
      const submitter = event.submitter;
      refresh().catch(() => null).then(() => {
        form.dataset.resubmitting = "1"; // already confirmed, token fresh: send it now
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
        delete form.dataset.resubmitting;
      });
    });
  }
  return { token: () => meta.content, refresh, url };
})();

// Sign-out removes the copies of unsaved text this browser kept (a shared computer).
document.addEventListener("submit", (event) => {
  if (event.defaultPrevented || !event.target.action.endsWith("/logout")) return;
  Object.keys(window.localStorage).filter((k) => k.startsWith("coalition:draft:"))
    .forEach((k) => window.localStorage.removeItem(k));
});
document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-copy]");
  if (!target) return;
  const source = document.getElementById(target.dataset.copy);
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.value || source.textContent).then(() => {
      target.textContent = t("copied", "Copied");
    });
  }
});

// Import progress: poll the job's status and reload the page when it has moved on.
(() => {
  const box = document.getElementById("import-progress");
  if (!box) return;
  const bar = document.getElementById("import-bar");
  const count = document.getElementById("import-count");
  const poll = () => {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => response.json())
      .then((job) => {
        if (job.status !== "previewing" && job.status !== "importing") {
          window.location.reload();
          return;
        }
        if (job.total) {
          bar.max = job.total;
          bar.value = job.done;
          count.textContent = t("progress", "{done} of {total} recommendations",
                                { done: job.done, total: job.total });
        }
        window.setTimeout(poll, 1000);
      })
      .catch(() => window.setTimeout(poll, 3000));
  };
  window.setTimeout(poll, 500);
})();

// Statement editor: preview, autosave every 30 s, a local copy in this browser, and who else is
// editing (heartbeat). A refused or failed autosave is said plainly, the text stays in the
// editor and in the browser's copy, and the copy is offered back on the next visit if the server
// never got it.
(() => {
  const form = document.getElementById("statement-editor");
  if (!form) return;
  const text = form.querySelector('textarea[name="text"]');
  const base = form.querySelector('input[name="base_number"]');
  const status = document.getElementById("autosave-status");
  const editing = document.getElementById("editing-now");
  const offer = document.getElementById("local-copy");
  const key = form.dataset.localKey;
  // The browser's clock may be off: local copies are stamped in the server's time.
  const skew = Date.now() - Number(form.dataset.serverNow || Date.now());
  const serverTime = () => Date.now() - skew;

  const show = (message, failed) => {
    status.textContent = message;
    status.classList.toggle("flash", failed);
    status.classList.toggle("flash-error", failed);
    status.classList.toggle("muted", !failed);
    status.setAttribute("role", failed ? "alert" : "status");
  };
  const post = (url, body) => fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf.token(), Accept: "application/json" },
    body: JSON.stringify(body),
  }).then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.ok, status: r.status, data })));

  const readCopy = () => {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  };
  const keepCopy = () => {
    try {
      window.localStorage.setItem(key, JSON.stringify({ text: text.value, base: base.value, at: serverTime() }));
    } catch (e) { /* storage full or disabled: the server's draft is the copy */ }
  };
  const dropCopy = () => window.localStorage.removeItem(key);

  let lastSaved = text.value; // what the server has
  let timer = null;
  text.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(keepCopy, 800);
  });
  form.addEventListener("submit", keepCopy); // until the saved page is shown, the copy stays

  const copy = readCopy();
  if (copy && copy.text !== text.value && copy.at > Number(form.dataset.serverTextAt)) {
    offer.querySelector("[data-local-time]").textContent = new Date(copy.at).toLocaleString();
    offer.hidden = false;
    offer.addEventListener("click", (event) => {
      const which = event.target.dataset.local;
      if (!which) return;
      if (which === "restore") {
        text.value = copy.text;
        base.value = copy.base; // the text was written from this revision: merge from it
        show(t("restored", "Your text from this browser is back in the editor; it is kept as your draft at the next autosave."), false);
      } else {
        dropCopy();
      }
      offer.hidden = true;
    });
  } else if (copy) {
    dropCopy(); // the server has this text, or newer
  }

  const autosave = () => {
    if (text.value === lastSaved) return;
    const value = text.value;
    post(form.dataset.autosaveUrl, { base_number: Number(base.value), text: value })
      .then(({ ok, status: code, data }) => {
        if (ok && data.saved_at) {
          lastSaved = value;
          if (text.value === value) dropCopy();
          show(t("kept", "Draft kept at {time}", { time: data.saved_at }), false);
          return;
        }
        keepCopy();
        const why = data.reason === "csrf"
          ? t("token_expired", "the page's security token had expired.")
          : (data.message || t("error_code", "error {code}.", { code }));
        show(t("not_kept", "Your draft was NOT kept on the server: {why} Your text is still "
               + "here, and a copy is kept in this browser; it is tried again in 30 seconds.",
               { why }), true);
        if (data.reason === "csrf") csrf.refresh().catch(() => null);
      })
      .catch(() => {
        keepCopy();
        show(t("unreachable", "Could not reach the server to keep your draft: check your "
               + "connection. Your text is still here, and a copy is kept in this browser."), true);
      });
  };
  window.setInterval(autosave, 30000);

  const beat = () => post(form.dataset.heartbeatUrl, {}).then(({ ok, data }) => {
    if (!ok) { if (data.reason === "csrf") csrf.refresh().catch(() => null); return; }
    const others = data.editing || [];
    editing.hidden = others.length === 0;
    editing.textContent = others.length ? t("editing_now", "Also editing now: {names}. Your "
      + "changes will be merged with theirs.", { names: others.join(", ") }) : "";
    if (Number(data.head) > Number(base.value) && status.getAttribute("role") !== "alert") {
      show(t("saved_since", "Revision {number} has been saved since you started; saving "
             + "will merge.", { number: data.head }), false);
    }
  }).catch(() => {});
  beat();
  window.setInterval(beat, 20000);

  form.querySelectorAll("[data-tab]").forEach((tab) => tab.addEventListener("click", () => {
    const which = tab.dataset.tab;
    form.querySelectorAll("[data-tab]").forEach((t) => {
      t.setAttribute("aria-selected", String(t === tab));
      t.classList.toggle("secondary", t !== tab);
    });
    form.querySelector('[data-panel="write"]').hidden = which !== "write";
    form.querySelector('[data-panel="preview"]').hidden = which !== "preview";
    if (which === "preview") {
      post(form.dataset.previewUrl, { text: text.value }).then(({ ok, data }) => {
        document.getElementById("preview").innerHTML = ok ? data.html : ""; // sanitised by the server (nh3)
      });
    }
  }));
})();

// The signed-in menu (base.html, a <details>): Escape closes it and returns to its button. A
// browser that cannot show a closed <details>' content (no ::details-content) gets it opened on
// a wide screen, where app.css shows the links inline.
(() => {
  const menu = document.querySelector(".nav-menu");
  if (!menu) return;
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
(() => {
  if (window.CSS && CSS.supports("selector(::details-content)")) return;
  const menu = document.querySelector(".nav-menu");
  if (!menu) return;
  const wide = window.matchMedia("(min-width: 1024px)");
  const apply = () => { menu.open = wide.matches; };
  apply();
  wide.addEventListener("change", apply);
})();

// Tables (app.css): each in a <div class="table-scroll">; one that scrolls sideways becomes a
// region named after its caption or heading, reachable by Tab, so a keyboard can scroll it
// (WCAG 2.1.1). Not the table itself: role="region" would hide its rows and columns.
(() => {
  const name = (table) => {
    const caption = table.querySelector("caption");
    if (caption) return caption.textContent.trim();
    for (let e = table; e && e !== document.body; e = e.parentElement) {
      for (let s = e.previousElementSibling; s; s = s.previousElementSibling) {
        const h = s.matches("h1, h2, h3, h4") ? s : s.querySelector("h1, h2, h3, h4");
        if (h) return h.textContent.trim();
      }
    }
    return document.title;
  };
  const boxes = [...document.querySelectorAll("main table")].map((table) => {
    if (table.parentElement.classList.contains("table-scroll")) return table.parentElement;
    const box = document.createElement("div");
    box.className = "table-scroll";
    table.replaceWith(box);
    box.append(table);
    return box;
  });
  const mark = () => boxes.forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && box.dataset.scrolls !== "1") {
      box.dataset.scrolls = "1";
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) {
        box.setAttribute("aria-label", name(box.firstElementChild));
        box.dataset.named = "1";
      }
    } else if (!scrolls && box.dataset.scrolls === "1") {
      box.dataset.scrolls = "0";
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      if (box.dataset.named) {
        box.removeAttribute("aria-label");
        delete box.dataset.named;
      }
    }
  });
  mark();
  window.addEventListener("resize", mark);
})();
// "Comment on this": select a passage of a statement's text and a button offers to quote it in
// the comment form (data-quote-target names the quote box; without JS the passage is pasted
// there by hand). Keyboard users reach the button with Tab right after the text.
document.querySelectorAll("[data-quote-target]").forEach((article) => {
  const target = document.getElementById(article.dataset.quoteTarget);
  if (!target) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "quote-button small";
  button.textContent = article.dataset.quoteLabel || t("comment_on_this", "Comment on this");
  button.hidden = true;
  article.after(button);
  let quote = "";
  // Pressing the button must not clear the selection it is about.
  button.addEventListener("mousedown", (event) => event.preventDefault());
  document.addEventListener("selectionchange", () => {
    const selection = window.getSelection();
    const text = selection && !selection.isCollapsed ? selection.toString().trim() : "";
    if (text && article.contains(selection.anchorNode) && article.contains(selection.focusNode)) {
      quote = text.replace(/\s+/g, " ");
      const rect = selection.getRangeAt(0).getBoundingClientRect();
      button.style.position = "absolute";
      button.style.top = `${window.scrollY + rect.bottom + 6}px`;
      button.style.left = `${Math.max(8, Math.min(window.scrollX + rect.left,
        document.documentElement.clientWidth - 200))}px`;
      button.hidden = false;
    } else if (document.activeElement !== button) {
      button.hidden = true;
    }
  });
  button.addEventListener("click", () => {
    target.value = quote;
    const details = target.closest("details");
    if (details) details.open = true;
    const body = target.form && target.form.elements.namedItem("body");
    (body || target).focus();
    button.hidden = true;
  });
});

// New statement: the organisation chosen as lead is not offered as a co-drafter.
document.querySelectorAll("[data-hides-lead]").forEach((group) => {
  const lead = document.getElementById(group.dataset.hidesLead);
  if (!lead) return;
  const update = () => {
    group.querySelectorAll("[data-option-value]").forEach((label) => {
      const isLead = label.dataset.optionValue === lead.value;
      label.style.display = isLead ? "none" : "";
      if (isLead) label.querySelector("input").checked = false;
    });
  };
  lead.addEventListener("change", update);
  update();
});

// Tracker: the sort menu and the facet checkboxes apply as soon as they change (issue 9, 3.17).
// Without JavaScript the "Search" and "Apply filters" buttons do the same; with it, a hint
// says that results follow each change.
const trackerForm = document.getElementById("tracker-form");
if (trackerForm) {
  const hint = document.getElementById("tracker-applies-hint");
  if (hint) hint.hidden = false;
  trackerForm.addEventListener("change", (event) => {
    const input = event.target;
    if (input.name === "sort" || (input.type === "checkbox" && input.closest(".facets"))) {
      trackerForm.requestSubmit();
    }
  });
}
