// Starts Swagger UI (swagger-ui-dist) on /openapi.json. A file, not an inline script: the CSP allows scripts from 'self' only.
const el = document.getElementById('swagger-ui');
SwaggerUIBundle({
  url: el.dataset.url,
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  displayRequestDuration: true,
  // No call to the public validator service: the intranet has no internet.
  validatorUrl: null,
});
