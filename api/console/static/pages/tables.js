// The case tables of the list, queue and supervision pages, with keyboard navigation: the
// first cell of each row is a link; ↑/↓ (and Home/End) move between rows, Enter opens a case.
import { L, caseUrl, get, h, name, productName, urgency, when } from './common.js';

/** Adds working days left (from each case's own deadline) to list items; cases are read in parallel. */
export async function withDeadlines(items) {
  const reads = await Promise.all(items.map((i) => get(caseUrl(i.applicationId))));
  return items.map((i, k) => ({ ...i, deadlineInfo: reads[k].ok ? reads[k].body.deadline : undefined }));
}

/** By deadline (soonest, overdue first), cases without one last, then oldest first. */
export function byDeadline(a, b) {
  const da = a.deadline ? Date.parse(a.deadline) : Infinity;
  const db = b.deadline ? Date.parse(b.deadline) : Infinity;
  return da - db || Date.parse(a.startedAt) - Date.parse(b.startedAt);
}

export function caseTable(items, { id, caption }) {
  const rows = items.map((i) => {
    const u = urgency({ overdue: i.overdue, workingDaysLeft: i.deadlineInfo?.workingDaysLeft });
    return h(
      'tr',
      { class: u.cls, 'data-case': i.applicationId },
      h('th', { scope: 'row' }, h('a', { href: `#/case/${encodeURIComponent(i.applicationId)}`, class: 'row-link' }, i.applicationId)),
      h('td', {}, productName(i.product)),
      h('td', {}, name('stage', i.stage)),
      h('td', {}, i.path ? name('path', i.path) : '—'),
      h('td', {}, when(i.startedAt)),
      h('td', {}, i.deadline ? when(i.deadline) : '—'),
      h('td', { class: `left ${u.cls}`.trim() }, u.text),
    );
  });
  const table = h(
    'table',
    { id, class: 'cases', 'aria-describedby': `${id}-keys` },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, [L('案件', 'Case'), L('产品', 'Product'), L('阶段', 'Stage'), L('路径', 'Path'), L('收到', 'Received'), L('期限', 'Deadline'), L('剩余工作日', 'Working days left')].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: '7' }, L('没有案件', 'No cases')))),
  );
  table.addEventListener('keydown', (ev) => {
    const links = [...table.querySelectorAll('a.row-link')];
    const at = links.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: links.length - 1 }[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    links[Math.max(0, Math.min(links.length - 1, to))].focus();
  });
  return h('div', { class: 'table-wrap' }, table, h('p', { class: 'hint', id: `${id}-keys` }, L('键盘：↑/↓ 在案件间移动，回车打开。', 'Keyboard: ↑/↓ move between cases, Enter opens one.')));
}
