// What most pages use, in one import.
export { clear, dl, field, h, input, problemBox, section, select, showFieldErrors, when } from '../lib/dom.js';
export { L, name, options, productName, provinceName } from '../lib/i18n.js';
export { call, caseUrl, certUrl, get, post, session } from '../lib/api.js';
export { CONFIG } from '../lib/config.js';

import { h } from '../lib/dom.js';
import { L } from '../lib/i18n.js';

/** Working days left as text, with the colour class: red overdue, amber within 1 day. */
export function urgency({ overdue, workingDaysLeft }) {
  if (overdue) return { cls: 'overdue', text: L('已逾期', 'overdue') };
  if (workingDaysLeft === null || workingDaysLeft === undefined) return { cls: '', text: '—' };
  if (workingDaysLeft <= 1) return { cls: 'due-soon', text: L(`剩 ${workingDaysLeft} 个工作日`, `${workingDaysLeft} working day(s) left`) };
  return { cls: '', text: L(`剩 ${workingDaysLeft} 个工作日`, `${workingDaysLeft} working days left`) };
}

export function badge(text, cls = '') {
  return h('span', { class: `badge ${cls}`.trim() }, text);
}

export function signInFirst(main) {
  main.append(h('h1', {}, L('请先登录', 'Please sign in')), h('p', {}, h('a', { href: '#/signin' }, L('登录', 'Sign in'))));
}
