// What the server embedded in the page (api/console/shell.ts): the API's own tables.
export const CONFIG = JSON.parse(document.getElementById('lp-config').textContent);
