// Cases the signed-in token may see (GET /applications, scoped by the API): an enterprise's own,
// a province's for its staff, all for SAMR and ops.
import { L, get, h, session, signInFirst } from './common.js';
import { caseTable, withDeadlines } from './tables.js';

export async function casesPage(main) {
  const claims = session.claims();
  if (!claims) return signInFirst(main);
  main.append(h('h1', {}, claims.role === 'applicant' ? L('我的申请', 'My applications') : L('案件', 'Cases')));
  if (claims.role === 'applicant') main.append(h('p', {}, h('a', { href: '#/apply', class: 'button' }, L('提交新申请', 'Submit a new application'))));
  const holder = h('div', { id: 'cases-holder' });
  main.append(holder);
  let before;
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, L('更多', 'More'));
  const load = async () => {
    const r = await get(`/applications?limit=25${before ? `&before=${encodeURIComponent(before)}` : ''}`);
    if (!r.ok) return holder.append(h('p', { role: 'alert', class: 'problem' }, r.body.detail));
    holder.append(caseTable(await withDeadlines(r.body.items), { id: `cases-${holder.children.length}`, caption: L('按收到时间，最新在前', 'Newest first') }));
    before = r.body.nextBefore;
    more.hidden = !before;
  };
  more.addEventListener('click', () => void load());
  main.append(more);
  await load();
}
