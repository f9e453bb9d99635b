// The work queue of an acceptance officer, reviewer or approver: the province's cases waiting on
// that role (GET /applications?waitingOn=…, scoped to the token's province by the API), sorted
// by deadline, with working days left: red when overdue, amber within 1 working day.
import { CONFIG, L, clear, field, get, h, name, options, select, session, signInFirst } from './common.js';
import { byDeadline, caseTable, withDeadlines } from './tables.js';

const WAITING = {
  'acceptance-officer': ['acceptance-officer', 'predecessor-cancellation'],
  reviewer: ['verification', 'decision'],
  approver: ['decision'],
};

export async function queuePage(main) {
  const claims = session.claims();
  if (!claims) return signInFirst(main);
  const waiting = WAITING[claims.role];
  main.append(h('h1', {}, L('待办队列', 'Work queue')));
  if (!waiting) {
    main.append(h('p', {}, L('此角色没有待办队列。', 'This role has no work queue.')));
    return;
  }
  const any = ['', L('全部', 'all')];
  const stage = select([any, ...options('stage')], { name: 'stage' });
  const product = select([any, ...CONFIG.products.map((p) => [p.id, L(p.zh, p.en)])], { name: 'product' });
  const path = select([any, ...options('path')], { name: 'path' });
  const refresh = h('button', { type: 'submit' }, L('刷新', 'Refresh'));
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': L('筛选', 'Filters') }, field(L('阶段', 'Stage'), stage), field(L('产品', 'Product'), product), field(L('路径', 'Path'), path), refresh);
  const holder = h('div', { id: 'queue-holder', 'aria-live': 'polite' });
  main.append(h('p', {}, L(`等待${name('role', claims.role)}处理的案件，按期限排序。`, `Cases waiting on the ${name('role', claims.role)}, soonest deadline first.`)), form, holder);

  const load = async () => {
    const q = new URLSearchParams();
    for (const [k, el] of [['stage', stage], ['product', product], ['path', path]]) if (el.value) q.set(k, el.value);
    const lists = await Promise.all(waiting.map((w) => get(`/applications?${new URLSearchParams([...q, ['waitingOn', w], ['limit', '100']])}`)));
    clear(holder);
    const failed = lists.find((r) => !r.ok);
    if (failed) return holder.append(h('p', { role: 'alert', class: 'problem' }, failed.body.detail));
    const items = lists.flatMap((r) => r.body.items).filter((i) => i.status === 'RUNNING');
    const rows = (await withDeadlines(items)).sort(byDeadline);
    holder.append(caseTable(rows, { id: 'queue', caption: L(`${rows.length} 件待办`, `${rows.length} case(s) waiting`) }));
    holder.dataset.loaded = String(Date.now());
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
  for (const el of [stage, product, path]) el.addEventListener('change', () => void load());
  await load();
}
