// A supervisor's province: overdue decisions (GET /applications?overdue=true), follow-ups after
// issuance with their windows (GET /applications/:id/follow-up of issued cases), and the
// verifier register (POST /verifiers). Team assignment, inspection results, rectification and
// revocation are taken on each case page.
import { actionForm } from '../lib/forms.js';
import { CONFIG, L, caseUrl, clear, get, h, section, session, signInFirst, when } from './common.js';
import { byDeadline, caseTable, withDeadlines } from './tables.js';

export async function supervisionPage(main) {
  const claims = session.claims();
  if (!claims) return signInFirst(main);
  main.append(h('h1', {}, L('监管', 'Supervision')));
  if (claims.role !== 'supervisor') {
    main.append(h('p', {}, L('只有监管人员使用此页。', 'This page is for supervisors.')));
    return;
  }
  const overdue = h('div', { id: 'overdue-holder' });
  const followUps = h('div', { id: 'follow-ups-holder' });
  main.append(section(L('逾期未决的案件', 'Overdue decisions'), overdue), section(L('证后核查', 'Follow-ups after issuance'), followUps));

  const o = await get('/applications?overdue=true&limit=100');
  if (!o.ok) overdue.append(h('p', { role: 'alert', class: 'problem' }, o.body.detail));
  else overdue.append(caseTable((await withDeadlines(o.body.items)).sort(byDeadline), { id: 'overdue', caption: L('按期限排序', 'Soonest deadline first') }));

  const issued = await get('/applications?stage=issued&limit=100');
  if (!issued.ok) followUps.append(h('p', { role: 'alert', class: 'problem' }, issued.body.detail));
  else {
    const reads = await Promise.all(issued.body.items.map((i) => get(`${caseUrl(i.applicationId)}/follow-up`).then((r) => ({ id: i.applicationId, r }))));
    const rows = reads.filter((x) => x.r.ok).map((x) => ({ id: x.id, ...x.r.body })).sort((a, b) => Number(b.overdue) - Number(a.overdue) || Date.parse(a.dueAt) - Date.parse(b.dueAt));
    followUps.append(
      h(
        'table',
        { id: 'follow-ups' },
        h('caption', {}, L('逾期在前，其余按期限', 'Overdue first, then by due date')),
        h('thead', {}, h('tr', {}, [L('案件', 'Case'), L('证书', 'Certificate'), L('类别', 'Kind'), L('状态', 'Stage'), L('期限', 'Due'), L('检查组', 'Team'), L('结果', 'Result')].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          {},
          rows.length
            ? rows.map((f) =>
                h(
                  'tr',
                  { class: f.overdue ? 'overdue' : '' },
                  h('th', { scope: 'row' }, h('a', { href: `#/case/${encodeURIComponent(f.id)}` }, f.id)),
                  h('td', {}, f.certificateNumber),
                  h('td', {}, f.kind),
                  h('td', {}, f.stage),
                  h('td', { class: f.overdue ? 'overdue' : '' }, when(f.dueAt), f.overdue ? ` · ${L('已逾期', 'overdue')}` : ''),
                  h('td', {}, f.team?.join(', ') ?? L('未指派', 'not assigned')),
                  h('td', {}, f.result?.outcome ?? '—'),
                ),
              )
            : h('tr', {}, h('td', { colspan: '7' }, L('没有证后核查', 'No follow-ups'))),
        ),
      ),
    );
  }

  const registered = h('div', { 'aria-live': 'polite' });
  main.append(
    section(
      L('检查员名录', 'Verifier register'),
      h('p', { class: 'hint' }, L('登记本省培训考核合格的检查员（R10），以便指派检查组。', 'Certify verifiers trained by this province (R10) so they can be assigned to teams.')),
      actionForm(
        {
          id: 'action-verifier',
          title: L('登记检查员', 'Certify a verifier'),
          url: '/verifiers',
          schema: 'CertifyVerifierBody',
          fields: [
            { key: 'id', label: L('检查员编号', 'Verifier id') },
            { key: 'name', label: L('姓名', 'Name') },
            { key: 'certifiedBy', label: L('发证省份', 'Certified by'), kind: 'select', options: CONFIG.provinces.filter((p) => p.code === claims.province).map((p) => [p.code, p.name]) },
            { key: 'certifiedUntil', label: L('有效期至', 'Certified until'), kind: 'date' },
          ],
        },
        (v) => {
          clear(registered);
          registered.append(h('p', { class: 'success', role: 'status' }, L(`已登记 ${v.id}`, `Certified ${v.id}`)));
        },
      ),
      registered,
    ),
  );
}
