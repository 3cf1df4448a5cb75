// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-copy]");
  if (!target) return;
  const source = document.getElementById(target.dataset.copy);
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.value || source.textContent).then(() => {
      target.textContent = "Copied";
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
          count.textContent = `${job.done} of ${job.total} recommendations`;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(() => window.setTimeout(poll, 3000));
  };
  window.setTimeout(poll, 500);
})();

// Statement editor: preview, autosave every 30 s, and who else is editing (heartbeat).
(() => {
  const form = document.getElementById("statement-editor");
  if (!form) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const text = form.querySelector('textarea[name="text"]');
  const base = form.querySelector('input[name="base_number"]');
  const status = document.getElementById("autosave-status");
  const editing = document.getElementById("editing-now");
  const post = (url, body) => fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
    body: JSON.stringify(body),
  }).then((r) => r.json());

  let lastSaved = text.value;
  window.setInterval(() => {
    if (text.value === lastSaved) return;
    const value = text.value;
    post(form.dataset.autosaveUrl, { base_number: Number(base.value), text: value })
      .then((r) => { if (r.saved_at) { lastSaved = value; status.textContent = `Draft kept at ${r.saved_at}`; } })
      .catch(() => { status.textContent = "Could not keep the draft: check your connection."; });
  }, 30000);

  const beat = () => post(form.dataset.heartbeatUrl, {}).then((r) => {
    const others = r.editing || [];
    editing.hidden = others.length === 0;
    editing.textContent = others.length ? `Also editing now: ${others.join(", ")}. Your changes will be merged with theirs.` : "";
    if (Number(r.head) > Number(base.value)) {
      status.textContent = `Revision ${r.head} has been saved since you started; saving will merge.`;
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
      post(form.dataset.previewUrl, { text: text.value }).then((r) => {
        document.getElementById("preview").innerHTML = r.html; // sanitised by the server (nh3)
      });
    }
  }));
})();
