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
