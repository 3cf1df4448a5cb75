// The API's browsable documentation: Swagger UI (vendored), reading the OpenAPI document
// named by #swagger-ui's data-spec-url. No inline script: the page keeps the site's CSP.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    // No deep links: Swagger UI puts each operation's link inside its summary button (a link
    // inside a button, which screen readers and keyboards cannot reach on its own).
    deepLinking: false,
    validatorUrl: null,  // never call the public validator: no request leaves this site
    tryItOutEnabled: false,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
});

// Example and response bodies scroll inside their box: make each focusable so that a keyboard
// can scroll it (axe-core: scrollable-region-focusable). Swagger UI draws them on demand.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root) {
    return;
  }
  const focusable = () => {
    for (const box of root.querySelectorAll(".microlight:not([tabindex])")) {
      box.setAttribute("tabindex", "0");
    }
  };
  new MutationObserver(focusable).observe(root, { childList: true, subtree: true });
});
