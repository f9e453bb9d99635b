// The console's entry: a hash router over the pages in pages/, the navigation for the signed-in
// role, and the language switch. Each page is a function (main, match) that fills <main>.
import { session } from './lib/api.js';
import { clear, h } from './lib/dom.js';
import { currentLang, L, name, provinceName, setLang } from './lib/i18n.js';
import { casePage } from './pages/case.js';
import { casesPage } from './pages/cases.js';
import { applyPage } from './pages/apply.js';
import { checkPage, deadlinePage } from './pages/public.js';
import { queuePage } from './pages/queue.js';
import { signinPage } from './pages/signin.js';
import { supervisionPage } from './pages/supervision.js';

const QUEUE_ROLES = ['acceptance-officer', 'reviewer', 'approver'];

const ROUTES = [
  [/^#\/signin$/, signinPage],
  [/^#\/check(?:\/(.+))?$/, checkPage],
  [/^#\/deadline$/, deadlinePage],
  [/^#\/apply$/, applyPage],
  [/^#\/cases$/, casesPage],
  [/^#\/case\/(.+)$/, casePage],
  [/^#\/queue$/, queuePage],
  [/^#\/supervision$/, supervisionPage],
];

function home(role) {
  if (!role) return '#/signin';
  if (QUEUE_ROLES.includes(role)) return '#/queue';
  if (role === 'supervisor') return '#/supervision';
  return '#/cases';
}

function renderNav() {
  const claims = session.claims();
  const role = claims?.role;
  const link = (href, text) => h('a', { href, ...(location.hash.startsWith(href) ? { 'aria-current': 'page' } : {}) }, text);
  const items = [];
  if (role === 'applicant') items.push(link('#/cases', L('我的申请', 'My applications')), link('#/apply', L('提交申请', 'Apply')));
  if (QUEUE_ROLES.includes(role)) items.push(link('#/queue', L('待办队列', 'Work queue')));
  if (role === 'supervisor') items.push(link('#/supervision', L('监管', 'Supervision')), link('#/cases', L('本省案件', 'Cases')));
  if (role === 'samr' || role === 'ops') items.push(link('#/cases', L('全部案件', 'All cases')));
  items.push(link('#/check', L('证书查询', 'Certificate check')), link('#/deadline', L('工作日计算', 'Deadline calculator')));
  const nav = clear(document.getElementById('nav'));
  nav.setAttribute('aria-label', L('主导航', 'Main navigation'));
  nav.append(h('ul', {}, items.map((a) => h('li', {}, a))));

  const who = clear(document.getElementById('who'));
  if (claims) {
    const scope = claims.province ? provinceName(claims.province) : claims.uscc ?? '';
    who.append(
      h('span', { class: 'who-name' }, `${claims.sub} · ${name('role', claims.role)}${scope ? ` · ${scope}` : ''}`),
      h('button', { type: 'button', class: 'link', onclick: () => { session.clear(); location.hash = '#/signin'; } }, L('退出', 'Sign out')),
    );
  } else {
    who.append(h('a', { href: '#/signin' }, L('登录', 'Sign in')));
  }
  document.getElementById('lang').textContent = currentLang() === 'en' ? '中文' : 'English';
  document.getElementById('lang').setAttribute('lang', currentLang() === 'en' ? 'zh-CN' : 'en');
  document.getElementById('brand').textContent = L('生产许可证审批', 'Production licences');
  document.getElementById('skip-link').textContent = L('跳到正文', 'Skip to content');
  document.getElementById('docs-link').textContent = L('API 文档', 'API docs');
}

async function render() {
  const hash = location.hash || '#/';
  if (hash === '#/' || hash === '#') {
    location.replace(home(session.claims()?.role));
    return;
  }
  renderNav();
  const main = clear(document.getElementById('main'));
  const found = ROUTES.map(([re, page]) => [hash.split('?')[0].match(re), page]).find(([m]) => m);
  if (!found) {
    main.append(h('h1', {}, L('页面不存在', 'No such page')), h('p', {}, h('a', { href: '#/' }, L('返回首页', 'Home'))));
    return;
  }
  const [match, page] = found;
  try {
    await page(main, match.slice(1).map((x) => (x === undefined ? x : decodeURIComponent(x))));
  } catch (e) {
    main.append(h('p', { class: 'problem', role: 'alert' }, String(e)));
  }
  const title = main.querySelector('h1');
  document.title = `${title ? title.textContent : ''} · ${L('生产许可证审批', 'Production licences')}`;
  main.dataset.ready = hash;
}

document.getElementById('lang').addEventListener('click', () => {
  setLang(currentLang() === 'en' ? 'zh' : 'en');
  void render();
});
window.addEventListener('hashchange', () => {
  void render().then(() => document.getElementById('main').focus());
});
void render();
