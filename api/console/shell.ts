/**
 * The console's one HTML page. What the client needs from the server's code (products,
 * provinces, the permissions table, the Temporal UI address) is embedded as JSON, so the pages
 * use the same tables as the API and the workflows without a build step.
 */
import { MAY } from '../../domain/permissions';
import { PRODUCTS, policyInForce } from '../../domain/policy';
import { PROVINCES } from '../../domain/provinces';
import { ROLES } from '../../domain/roles';
import { Stage } from '../../domain/approval/messages';
import { shanghaiDate } from '../../domain/time';

/** Scripts and styles from this server only; the API is the only thing the pages talk to. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface ShellConfig {
  temporalUiUrl: string;
  namespace: string;
  devSignIn: boolean;
}

export function renderShell(c: ShellConfig): string {
  const policy = policyInForce(shanghaiDate(Date.now()));
  const data = {
    ...c,
    roles: ROLES,
    may: MAY,
    stages: Stage.options,
    products: Object.values(PRODUCTS).map((p) => ({ id: p.id, zh: p.nameZh, en: p.nameEn, industrialPolicy: policy.products[p.id].industrialPolicy })),
    provinces: Object.entries(PROVINCES).map(([code, p]) => ({ code, name: p.name, abbr: p.abbr })),
  };
  // JSON inside <script>: no '<' may survive, or '</script>' could end the block.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>生产许可证审批 · 控制台</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script type="application/json" id="lp-config">${json}</script>
<script type="module" src="/console/assets/app.js"></script>
</head>
<body>
<a class="skip" href="#main" id="skip-link">跳到正文</a>
<header class="top">
  <a class="brand" href="#/" id="brand">生产许可证审批</a>
  <nav id="nav" aria-label="主导航"></nav>
  <div class="who" id="who"></div>
  <button type="button" id="lang" class="lang">English</button>
</header>
<main id="main" tabindex="-1"><p>加载中…</p></main>
<footer class="foot"><a href="/docs" id="docs-link">API 文档</a> · <a href="/openapi.json">openapi.json</a></footer>
</body>
</html>
`;
}
