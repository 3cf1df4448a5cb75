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
    deepLinking: true,
    validatorUrl: null,  // never call the public validator: no request leaves this site
    tryItOutEnabled: false,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
});
