/**
 * `/docs`: a self-contained page rendered from the OpenAPI document: every route with its
 * roles, parameters, request and response schemas, and a small form to try it with a token.
 * Nothing is loaded from the internet (government intranets have no CDN).
 */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

type Json = Record<string, unknown>;

export const DOCS_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'";

export function renderDocs(doc: Json): string {
  const info = doc.info as { title: string; version: string; description?: string };
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, Json>;
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const roles = (op['x-roles'] as string[]).length ? (op['x-roles'] as string[]).join(', ') : 'public';
      const params = (op.parameters as { name: string; in: string; required: boolean; description?: string }[] | undefined) ?? [];
      const body = (op.requestBody as { content: Record<string, { schema: { $ref: string } }> } | undefined)?.content['application/json']?.schema.$ref;
      const bodyName = body?.split('/').pop();
      const responses = Object.entries(op.responses as Record<string, { description: string }>)
        .map(([code, r]) => `<li><code>${esc(code)}</code> ${esc(r.description)}</li>`)
        .join('');
      const id = esc(String(op.operationId));
      sections.push(`<section id="${id}">
<h2><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>
<p>${esc(String(op.summary))} <em>roles: ${esc(roles)}</em></p>
<pre class="desc">${esc(String(op.description ?? ''))}</pre>
${params.length ? `<h3>Parameters</h3><ul>${params.map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''}) ${esc(p.description ?? '')}</li>`).join('')}</ul>` : ''}
${bodyName ? `<h3>Body: <a href="#schema-${esc(bodyName)}">${esc(bodyName)}</a></h3>` : ''}
<h3>Responses</h3><ul>${responses}</ul>
<details><summary>Try it</summary>
<form data-method="${esc(method)}" data-path="${esc(path)}">
${params.map((p) => `<label>${esc(p.in)} <code>${esc(p.name)}</code> <input name="${esc(p.in)}:${esc(p.name)}"></label>`).join('\n')}
${bodyName ? `<label>body (JSON) <textarea name="body" rows="8">{}</textarea></label>` : ''}
<button type="submit">Send</button>
<pre class="out"></pre>
</form></details>
</section>`);
    }
  }
  const schemaHtml = Object.entries(schemas)
    .map(([name, s]) => `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary><pre>${esc(JSON.stringify(s, null, 2))}</pre></details>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}h2{font-size:1.05rem}code{font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:3.5rem;text-align:center;border-radius:3px;color:#fff;padding:0 .3rem}.get{background:#2a7}.post{background:#27c}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;white-space:pre-wrap}label{display:block;margin:.2rem 0}textarea,input{width:100%;font-family:ui-monospace,monospace}
#token{width:100%}
</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>
<pre>${esc(info.description ?? '')}</pre>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Mint a local token: <code>npx tsx scripts/mint-token.ts --role approver --province BJ --sub alice</code></p>
<label>Bearer token <input id="token" placeholder="eyJ..."></label>
<nav><ul>${Object.entries(paths)
    .flatMap(([p, ms]) => Object.entries(ms).map(([m, op]) => `<li><a href="#${esc(String(op.operationId))}">${esc(m.toUpperCase())} ${esc(p)}</a></li>`))
    .join('')}</ul></nav>
${sections.join('\n')}
<h2>Schemas</h2>
${schemaHtml}
<script>
document.querySelectorAll('form[data-path]').forEach(function (f) {
  f.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var path = f.dataset.path, q = new URLSearchParams(), headers = {}, body;
    new FormData(f).forEach(function (v, k) {
      if (!v) return;
      var parts = k.split(':');
      if (parts[0] === 'path') path = path.replace('{' + parts[1] + '}', encodeURIComponent(v));
      else if (parts[0] === 'query') q.set(parts[1], v);
      else if (parts[0] === 'header') headers[parts[1]] = v;
      else if (k === 'body') body = v;
    });
    var t = document.getElementById('token').value.trim();
    if (t) headers.Authorization = 'Bearer ' + t;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    var out = f.querySelector('.out');
    try {
      var r = await fetch(path + (q.toString() ? '?' + q : ''), { method: f.dataset.method.toUpperCase(), headers: headers, body: body });
      var text = await r.text();
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
      out.textContent = r.status + ' ' + r.statusText + '\\n' + text;
    } catch (e) { out.textContent = String(e); }
  });
});
</script>
</body></html>`;
}
