// A case: the application's state from its workflow (GET /applications/:id), the deadline with
// pauses, the timeline, the decision and certificate, the follow-up and the licence, and the
// actions the signed-in role may take now.
import { caseActions, followUpActions, licenceActions } from './actions.js';
import { CONFIG, L, badge, caseUrl, certUrl, clear, dl, get, h, name, problemBox, productName, provinceName, section, session, signInFirst, urgency, when } from './common.js';

export async function casePage(main, [id]) {
  const claims = session.claims();
  if (!claims) return signInFirst(main);
  const notice = h('div', { id: 'notice', 'aria-live': 'polite' });
  const body = h('div', { id: 'case-body' });
  main.append(h('h1', {}, L('案件 ', 'Case '), h('code', {}, id)), notice, body);

  const refresh = async (message) => {
    const r = await get(caseUrl(id));
    clear(body);
    clear(notice);
    if (message) notice.append(h('p', { class: 'success', role: 'status' }, message));
    if (!r.ok) return body.append(problemBox(r.body));
    const done = () => refresh(L('已提交。', 'Done.'));
    await render(body, r.body, claims, done);
  };
  await refresh();
}

async function render(root, c, claims, done) {
  // Once decided, the clock no longer runs: no working days left to show.
  const u = urgency(c.decision ? {} : (c.deadline ?? {}));
  root.append(
    h('p', { class: 'case-head' }, badge(name('stage', c.stage), `stage-${c.stage}`), ' ', c.deadline && !c.decision ? badge(u.text, u.cls) : null, c.paused ? badge(L('已暂停计时', 'clock paused'), 'due-soon') : null),
    section(
      L('申请', 'Application'),
      dl([
        [L('产品', 'Product'), productName(c.product)],
        [L('类型', 'Type'), name('type', c.type)],
        [L('省份', 'Province'), provinceName(c.province)],
        [L('收到时间', 'Received'), when(c.receivedAt)],
        [L('受理', 'Accepted'), c.acceptedAt ? `${when(c.acceptedAt)}${c.acceptance === 'deemed' ? L('（逾期视为受理）', ' (deemed)') : ''}` : '—'],
        [L('审批路径', 'Path'), c.path ? `${name('path', c.path)}${c.pathReason ? ` — ${c.pathReason}` : ''}` : '—'],
        [L('政策版本', 'Policy version'), c.policyVersion],
      ]),
      temporalLink(c.applicationId, claims.role),
    ),
  );
  if (c.deadline) root.append(deadlineSection(c));
  if (c.supplement) {
    root.append(section(L('补正', 'Supplement'), dl([[L('告知时间', 'Requested'), when(c.supplement.requestedAt)], [L('需补正', 'Items'), c.supplement.items.join('；')], [L('补正时间', 'Supplied'), when(c.supplement.suppliedAt)]])));
  }
  if (c.verification) {
    root.append(section(L('现场核查', 'On-site verification'), dl([[L('结论', 'Result'), c.verification.result], [L('检查员', 'Verifiers'), c.verification.verifierIds.join(', ')], [L('时间', 'At'), when(c.verification.at)]])));
  }
  if (c.decision) {
    root.append(
      section(
        L('决定', 'Decision'),
        dl([
          [L('结论', 'Outcome'), name('outcome', c.decision.outcome)],
          [L('时间', 'At'), when(c.decision.at)],
          [L('决定人', 'By'), c.decision.by],
          c.decision.reasons ? [L('理由', 'Grounds'), c.decision.reasons.join('；')] : null,
          c.decision.withinDeadline === undefined ? null : [L('是否在期限内', 'Within the deadline'), c.decision.withinDeadline ? L('是', 'yes') : L('否', 'no')],
        ]),
      ),
    );
  }
  if (c.certificate) root.append(certificateSection(c.certificate));
  const actions = caseActions(c, claims.role, done);
  if (actions.length) root.append(section(L('可执行的操作', 'Actions you can take now'), actions));
  root.append(timelineSection(c));
  if (c.certificate) {
    const [f, lic] = await Promise.all([get(`${caseUrl(c.applicationId)}/follow-up`), get(`${certUrl(c.certificate.number)}/licence`)]);
    if (f.ok) root.append(section(L('证后核查', 'Follow-up after issuance'), followUpFacts(f.body), followUpActions(c.applicationId, f.body, claims.role, done)));
    if (lic.ok) root.append(section(L('许可证', 'Licence'), licenceFacts(lic.body), licenceActions(c.certificate.number, lic.body, claims.role, done)));
  }
}

function temporalLink(id, role) {
  if (role === 'applicant') return null;
  const href = `${CONFIG.temporalUiUrl}/namespaces/${encodeURIComponent(CONFIG.namespace)}/workflows/${encodeURIComponent(id)}`;
  return h('p', {}, h('a', { href, id: 'temporal-link', target: '_blank', rel: 'noopener' }, L('在 Temporal UI 中查看工作流', 'Open the workflow in the Temporal UI')));
}

function deadlineSection(c) {
  const d = c.deadline;
  const u = urgency(c.decision ? {} : d);
  return section(
    L('审批期限', 'Decision deadline'),
    dl([
      [L('期限', 'Deadline'), h('span', { class: `deadline ${u.cls}`.trim(), id: 'deadline' }, d.deadlineDate ?? L('计时暂停', 'clock paused'), ' · ', u.text)],
      [L('时限', 'Limit'), `${d.limit.n} ${d.limit.unit === 'working-days' ? L('个工作日', 'working days') : L('日', 'days')}`],
      [L('已用工作日', 'Working days used'), String(d.workingDaysUsed)],
      [L('日历版本', 'Calendar'), `${d.calendarVersion}${d.provisional ? L('（临时）', ' (provisional)') : ''}`],
    ]),
    c.pauses.length
      ? h('table', {}, h('caption', {}, L('暂停记录', 'Pauses')), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, L('类别', 'Kind')), h('th', { scope: 'col' }, L('开始', 'From')), h('th', { scope: 'col' }, L('结束', 'To')), h('th', { scope: 'col' }, L('书面告知', 'Notice')))), h('tbody', {}, c.pauses.map((p) => h('tr', {}, h('td', {}, name('pause', p.kind)), h('td', {}, when(p.from)), h('td', {}, when(p.to)), h('td', {}, p.reason)))))
      : null,
  );
}

function certificateSection(cert) {
  const check = `#/check/${encodeURIComponent(cert.number)}`;
  return section(
    L('电子证书', 'Electronic certificate'),
    h('p', { class: 'certificate' }, h('strong', { id: 'certificate-number' }, cert.number)),
    dl([[L('发证日期', 'Issued on'), cert.issuedOn], [L('有效期至', 'Valid until'), cert.validUntil]]),
    h('p', {}, h('a', { href: check, id: 'public-check-link' }, L('公开查询链接', 'Public check link')), ' ', h('code', {}, `${location.origin}/console/${check}`)),
  );
}

function timelineSection(c) {
  return section(
    L('办理过程', 'Timeline'),
    h(
      'table',
      { id: 'timeline' },
      h('thead', {}, h('tr', {}, [L('时间', 'At'), L('阶段', 'Stage'), L('事件', 'Event'), L('操作人', 'By'), L('说明', 'Note')].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, c.timeline.map((e) => h('tr', {}, h('td', {}, when(e.at)), h('td', {}, name('stage', e.stage)), h('td', {}, e.event), h('td', {}, e.by ?? '—'), h('td', {}, e.note ?? '')))),
    ),
  );
}

function followUpFacts(f) {
  return dl([
    [L('类别', 'Kind'), f.kind],
    [L('状态', 'Stage'), f.stage],
    [L('期限', 'Due'), h('span', { class: f.overdue ? 'overdue' : '' }, when(f.dueAt), f.overdue ? ` · ${L('已逾期', 'overdue')}` : '')],
    [L('检查组', 'Team'), f.team?.join(', ')],
    f.result ? [L('结果', 'Result'), `${name('outcome', f.result.outcome)} · ${when(f.result.at)}${f.result.findings ? ` · ${f.result.findings}` : ''}`] : null,
  ]);
}

function licenceFacts(l) {
  return dl([
    [L('状态', 'Status'), name('certStatus', l.status)],
    [L('持证企业', 'Holder'), `${l.enterpriseName} (${l.uscc})`],
    [L('有效期', 'Validity'), `${l.issuedOn} – ${l.validUntil}`],
    [L('延续申请截止', 'Renew by'), l.renewalDueBy],
    l.endedAt ? [L('终止时间', 'Ended'), when(l.endedAt)] : null,
  ]);
}
