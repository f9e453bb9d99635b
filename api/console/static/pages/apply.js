// The enterprise's application form (POST /applications): every path (new, renewal, change;
// fertiliser commitment; R03 filing and capacity; R04 predecessor). Documents are hashed in the
// browser (SHA-256 of the file; only the hash is sent). The body is checked against the API's own
// schema (SubmitApplicationBody in /openapi.json, generated from the zod schema) before it is
// sent, and the API's 422 field errors are shown next to the same fields.
import { checkBody } from '../lib/schema.js';
import { CONFIG, L, clear, field, h, input, name, options, post, problemBox, select, session, showFieldErrors, signInFirst } from './common.js';

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (data) => hex(await crypto.subtle.digest('SHA-256', typeof data === 'string' ? new TextEncoder().encode(data) : data));
const lines = (v) => v.split('\n').map((s) => s.trim()).filter(Boolean);
const newKey = () => `A-${hex(crypto.getRandomValues(new Uint8Array(6)))}`;

export async function applyPage(main) {
  const claims = session.claims();
  if (!claims) return signInFirst(main);
  main.append(h('h1', {}, L('提交许可申请', 'Submit a licence application')));
  if (claims.role !== 'applicant') {
    main.append(h('p', {}, L('只有企业（申请人）可以提交申请。', 'Only an enterprise (applicant) submits applications.')));
    return;
  }
  const key = newKey();
  const f = {
    province: select(CONFIG.provinces.map((p) => [p.code, `${p.name} (${p.code})`]), { value: 'BJ' }),
    type: select(options('type'), { value: 'new' }),
    product: select(CONFIG.products.map((p) => [p.id, L(p.zh, p.en)]), { value: 'cement' }),
    uscc: input({ value: claims.uscc ?? '', readonly: true }),
    entName: input({ autocomplete: 'organization' }),
    entAddress: input({ autocomplete: 'street-address' }),
    addresses: h('textarea', { rows: '2' }),
    productNames: h('textarea', { rows: '2' }),
    current: input({ placeholder: '(京)XK08-001-00001' }),
    unchanged: h('input', { type: 'checkbox' }),
    qsSigner: input(),
    ncSigner: input(),
    filingKind: select([['filing', L('备案', 'filing')], ['approval', L('核准', 'approval')]]),
    filingAuthority: input(),
    filingNumber: input(),
    filingDate: input({ type: 'date' }),
    approvedValue: input({ type: 'number', min: '0', step: 'any' }),
    declaredValue: input({ type: 'number', min: '0', step: 'any' }),
    unit: select(['t/year', 'units/year', 'pieces/year']),
    adds: h('input', { type: 'checkbox' }),
    predecessor: input({ placeholder: '(京)XK08-001-00001' }),
    predecessorReason: select([['acquisition', L('收购', 'acquisition')], ['merger', L('合并', 'merger')], ['restructuring', L('重组', 'restructuring')], ['capacity-replacement', L('产能置换', 'capacity replacement')]]),
  };
  const docs = h('div', { class: 'docs' });
  const addDoc = (type = 'business-licence') => docs.append(docRow(docs.children.length, type));
  addDoc('business-licence');
  addDoc('inspection-report');

  const statement = (what) => L(`本企业承诺${what}所填信息真实、产品符合要求。`, `We commit that the information given for ${what} is true and the products conform.`);
  const renewalBox = fieldset(L('延续 / 变更', 'Renewal / change'), field(L('现有证书编号', 'Current certificate number'), f.current, { path: 'currentCertificateNumber' }), checkbox(f.unchanged, L('生产条件未发生变化（R08）', 'Production conditions unchanged (R08)'), 'conditionsUnchanged'));
  const commitmentBox = fieldset(L('告知承诺（R09）', 'Notification and commitment (R09)'), field(L('承诺签署人', 'Signed by'), f.ncSigner, { path: 'notificationCommitment', hint: statement(L('告知承诺', 'notification-and-commitment')) }));
  const policyBox = fieldset(
    L('产业政策：项目备案 / 核准与产能（R03）', 'Industrial policy: investment filing and capacity (R03)'),
    field(L('类型', 'Kind'), f.filingKind, { path: 'investmentFiling.kind' }),
    field(L('备案 / 核准机关', 'Authority'), f.filingAuthority, { path: 'investmentFiling.authority' }),
    field(L('文号', 'Number'), f.filingNumber, { path: 'investmentFiling.number' }),
    field(L('日期', 'Date'), f.filingDate, { path: 'investmentFiling.date' }),
    field(L('核定产能', 'Approved capacity'), f.approvedValue, { path: 'investmentFiling.approvedCapacity' }),
    field(L('申报产能', 'Declared capacity'), f.declaredValue, { path: 'capacity' }),
    field(L('产能单位', 'Capacity unit'), f.unit, { path: 'capacity.declared.unit' }),
    checkbox(f.adds, L('新增产能', 'Adds new capacity'), 'capacity.addsCapacity'),
  );
  const sync = () => {
    const product = CONFIG.products.find((p) => p.id === f.product.value);
    renewalBox.hidden = f.type.value === 'new';
    commitmentBox.hidden = f.product.value !== 'fertiliser';
    policyBox.hidden = !(product?.industrialPolicy && f.type.value !== 'renewal');
  };
  f.type.addEventListener('change', sync);
  f.product.addEventListener('change', sync);
  sync();

  const out = h('div', { id: 'apply-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card wide', id: 'apply-form', novalidate: true },
    h('p', { class: 'hint' }, L(`申请编号 ${key}（重复提交返回同一案件）`, `Application id ${key} (submitting again returns the same case)`)),
    fieldset(
      L('申请', 'Application'),
      field(L('受理省份（生产地址所在省）', 'Province (of the production address)'), f.province, { path: 'province' }),
      field(L('申请类型', 'Type'), f.type, { path: 'type' }),
      field(L('产品', 'Product'), f.product, { path: 'product' }),
      field(L('产品单元 / 规格（每行一个）', 'Product units / specifications (one per line)'), f.productNames, { path: 'productNames' }),
    ),
    fieldset(
      L('企业', 'Enterprise'),
      field(L('统一社会信用代码', 'USCC'), f.uscc, { path: 'enterprise.uscc' }),
      field(L('企业名称', 'Name'), f.entName, { path: 'enterprise.name' }),
      field(L('住所', 'Registered address'), f.entAddress, { path: 'enterprise.registeredAddress' }),
      field(L('生产地址（每行一个）', 'Production addresses (one per line)'), f.addresses, { path: 'productionAddresses' }),
    ),
    renewalBox,
    policyBox,
    commitmentBox,
    fieldset(L('质量安全承诺', 'Quality and safety commitment'), field(L('承诺签署人', 'Signed by'), f.qsSigner, { path: 'qualitySafetyCommitment', hint: L('可留空', 'optional') })),
    fieldset(L('收购、合并、重组或产能置换（R04）', 'Take-over (R04)'), field(L('被替代的证书编号', 'Certificate taken over'), f.predecessor, { path: 'predecessor', hint: L('可留空', 'optional') }), field(L('原因', 'Reason'), f.predecessorReason, { path: 'predecessor.reason' })),
    fieldset(L('材料（仅上传文件的 SHA-256）', 'Documents (only the SHA-256 of each file is sent)'), docs, h('button', { type: 'button', class: 'secondary', onclick: () => addDoc('other') }, L('添加材料', 'Add a document'))),
    h('button', { type: 'submit', id: 'apply-submit' }, L('提交申请', 'Submit application')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const body = await buildBody(f, docs, statement);
    const errors = await checkBody('SubmitApplicationBody', body);
    const unplaced = showFieldErrors(form, errors);
    if (errors.length) {
      out.append(problemBox({ title: L('请检查填写内容', 'Please check the form'), status: 422, detail: L(`${errors.length} 处不符合 API 的要求`, `${errors.length} field(s) do not meet the API's schema`), errors: unplaced }));
      form.querySelector('[aria-invalid]')?.focus();
      return;
    }
    const r = await post('/applications', body, { 'Idempotency-Key': key });
    if (!r.ok) {
      const rest = showFieldErrors(form, r.body.errors ?? []);
      out.append(problemBox({ ...r.body, errors: rest }));
      return;
    }
    location.hash = `#/case/${encodeURIComponent(r.body.applicationId)}`;
  });
  main.append(form, out);
}

function fieldset(legend, ...children) {
  return h('fieldset', {}, h('legend', {}, legend), ...children);
}

function checkbox(box, label, path) {
  box.id ||= `c${Math.random().toString(36).slice(2, 8)}`;
  box.dataset.path = path;
  return h('div', { class: 'field check' }, box, h('label', { for: box.id }, label), h('p', { class: 'err', id: `${box.id}-err` }));
}

function docRow(i, type) {
  const row = h('div', { class: 'doc-row', 'data-doc': String(i) });
  row.append(
    field(L(`材料 ${i + 1} 名称`, `Document ${i + 1} name`), input({ 'data-role': 'name', value: name('docType', type) }), { path: `documents.${i}.name` }),
    field(L(`材料 ${i + 1} 类型`, `Document ${i + 1} type`), select(options('docType'), { 'data-role': 'type', value: type }), { path: `documents.${i}.type` }),
    field(L(`材料 ${i + 1} 文件`, `Document ${i + 1} file`), h('input', { type: 'file', 'data-role': 'file' }), { path: `documents.${i}.sha256` }),
  );
  return row;
}

async function commitment(signer, text) {
  return { signedBy: signer, signedAt: new Date().toISOString(), statementSha256: await sha256(text) };
}

async function buildBody(f, docs, statement) {
  const shown = (el) => !el.closest('fieldset')?.hidden;
  const num = (el) => (el.value === '' ? undefined : Number(el.value));
  const body = {
    province: f.province.value,
    type: f.type.value,
    enterprise: { uscc: f.uscc.value, name: f.entName.value.trim(), registeredAddress: f.entAddress.value.trim() },
    productionAddresses: lines(f.addresses.value).map((address) => ({ province: f.province.value, address })),
    product: f.product.value,
    productNames: lines(f.productNames.value),
    documents: [],
  };
  for (const row of docs.children) {
    const file = row.querySelector('[data-role=file]').files[0];
    body.documents.push({
      name: row.querySelector('[data-role=name]').value.trim(),
      type: row.querySelector('[data-role=type]').value,
      sha256: file ? await sha256(await file.arrayBuffer()) : '',
    });
  }
  if (shown(f.current)) {
    if (f.current.value.trim()) body.currentCertificateNumber = f.current.value.trim();
    if (f.type.value === 'renewal') body.conditionsUnchanged = f.unchanged.checked;
  }
  if (shown(f.filingNumber)) {
    body.investmentFiling = {
      kind: f.filingKind.value,
      authority: f.filingAuthority.value.trim(),
      number: f.filingNumber.value.trim(),
      date: f.filingDate.value,
      approvedCapacity: { value: num(f.approvedValue), unit: f.unit.value },
    };
    body.capacity = { declared: { value: num(f.declaredValue), unit: f.unit.value }, addsCapacity: f.adds.checked };
  }
  if (shown(f.ncSigner) && f.ncSigner.value.trim()) body.notificationCommitment = await commitment(f.ncSigner.value.trim(), statement('notification'));
  if (f.qsSigner.value.trim()) body.qualitySafetyCommitment = await commitment(f.qsSigner.value.trim(), statement('quality'));
  if (f.predecessor.value.trim()) body.predecessor = { certificateNumber: f.predecessor.value.trim(), reason: f.predecessorReason.value };
  return body;
}
