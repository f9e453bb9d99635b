// Public pages, no sign-in: the certificate check (GET /certificates/:number) and the
// working-day deadline calculator (GET /calendar/deadline).
import { badge, certUrl, clear, dl, field, get, h, input, L, name, problemBox, productName, provinceName } from './common.js';

export async function checkPage(main, [number]) {
  main.append(h('h1', {}, L('证书查询', 'Certificate check')));
  const num = input({ name: 'number', value: number ?? '', placeholder: '(京)XK08-001-00001', spellcheck: 'false' });
  const out = h('div', { id: 'check-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card', role: 'search' },
    field(L('证书编号', 'Certificate number'), num, { path: 'params.number', hint: L('格式：(省简称)XK××-×××-×××××', 'Format: (province)XK××-×××-×××××') }),
    h('button', { type: 'submit' }, L('查询', 'Check')),
  );
  const run = async () => {
    clear(out);
    const r = await get(certUrl(num.value.trim()));
    if (!r.ok) return out.append(problemBox(r.body));
    const c = r.body;
    const ok = c.status === 'valid' || c.status === 'deemed-renewed';
    out.append(
      h(
        'section',
        { class: 'card' },
        h('h2', {}, c.number, ' ', badge(name('certStatus', c.status), ok ? 'ok' : 'bad')),
        dl([
          [L('状态', 'Status'), name('certStatus', c.status)],
          c.rectificationOrder
            ? [L('责令整改', 'Rectification order'), L(`责令停产停售、限期整改至 ${c.rectificationOrder.rectifyBy}`, `under rectification order until ${c.rectificationOrder.rectifyBy}`)]
            : null,
          [L('产品', 'Product'), `${productName(c.product)} · ${c.productName}`],
          [L('产品单元 / 规格', 'Units / specifications'), c.productNames.join('；')],
          [L('发证机关', 'Issued by'), provinceName(c.province)],
          [L('发证日期', 'Issued on'), c.issuedOn],
          [L('有效期至', 'Valid until'), c.validUntil],
          c.supersededBy ? [L('替代证书', 'Superseded by'), c.supersededBy] : null,
          [L('查询日期', 'Checked on'), c.checkedOn],
          c.contentSha256 ? [L('证书内容 SHA-256', 'Certificate content SHA-256'), h('code', {}, c.contentSha256)] : null,
        ]),
        h('p', { class: 'hint' }, L('公开查询不显示企业身份和个人信息。', 'The public check shows no enterprise identity and no personal data.')),
      ),
    );
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    history.replaceState(null, '', `#/check/${encodeURIComponent(num.value.trim())}`);
    void run();
  });
  main.append(form, out);
  if (number) await run();
}

export async function deadlinePage(main) {
  main.append(
    h('h1', {}, L('工作日期限计算', 'Working-day deadline calculator')),
    h('p', {}, L('按国务院节假日安排计算第 n 个工作日（起算日当天不计）。', 'The nth working day after a date (the date itself not counted), per the State Council holiday notices.')),
  );
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const from = input({ type: 'date', name: 'from', value: today });
  const n = input({ type: 'number', name: 'n', value: '5', min: '0', max: '366' });
  const out = h('div', { id: 'deadline-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card' },
    field(L('起算日', 'From'), from, { path: 'query.from' }),
    field(L('工作日数', 'Working days'), n, { path: 'query.n' }),
    h('button', { type: 'submit' }, L('计算', 'Compute')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const r = await get(`/calendar/deadline?from=${encodeURIComponent(from.value)}&n=${encodeURIComponent(n.value)}`);
    if (!r.ok) return out.append(problemBox(r.body));
    out.append(
      h(
        'p',
        { class: 'card result' },
        L(`${r.body.from} 之后第 ${r.body.n} 个工作日：`, `Working day ${r.body.n} after ${r.body.from}: `),
        h('strong', {}, r.body.date),
        r.body.provisional ? ` (${L('临时：该年节假日安排尚未公布', 'provisional: that year\'s notice is not yet published')})` : '',
      ),
    );
  });
  main.append(form, out);
}
