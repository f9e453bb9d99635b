// Sign-in. Development: pick a role (and province or enterprise) and the API mints a local token
// (POST /dev/token, refused in production). Everywhere: paste a bearer token from the identity
// provider; the console never holds a signing secret.
import { post, session } from '../lib/api.js';
import { CONFIG } from '../lib/config.js';
import { field, h, input, name, problemBox, select } from './common.js';
import { L } from '../lib/i18n.js';

const STAFF = ['acceptance-officer', 'reviewer', 'approver', 'supervisor'];

export async function signinPage(main) {
  main.append(h('h1', {}, L('登录', 'Sign in')));
  const out = h('div', { 'aria-live': 'polite' });
  const done = () => {
    location.hash = '#/';
  };

  if (CONFIG.devSignIn) {
    const role = select(CONFIG.roles.map((r) => [r, name('role', r)]), { name: 'role', value: 'applicant' });
    const province = select(CONFIG.provinces.map((p) => [p.code, `${p.name} (${p.code})`]), { name: 'province', value: 'BJ' });
    const uscc = input({ name: 'uscc', autocomplete: 'off', placeholder: '91110000MA01ABCDE…', spellcheck: 'false' });
    const sub = input({ name: 'sub', autocomplete: 'username' });
    const provinceField = field(L('省份', 'Province'), province, { path: 'province' });
    const usccField = field(L('统一社会信用代码', 'Unified social credit code (USCC)'), uscc, { path: 'uscc' });
    const sync = () => {
      provinceField.hidden = !STAFF.includes(role.value);
      usccField.hidden = role.value !== 'applicant';
    };
    role.addEventListener('change', sync);
    sync();
    const form = h(
      'form',
      { class: 'card', id: 'dev-signin' },
      h('h2', {}, L('开发环境：选择角色', 'Development: pick a role')),
      h('p', { class: 'hint' }, L('由本地 API 签发令牌（生产环境不可用）。', 'The local API mints a token (not available in production).')),
      field(L('角色', 'Role'), role, { path: 'role' }),
      provinceField,
      usccField,
      field(L('姓名 / 账号', 'Name / account'), sub, { path: 'sub', hint: L('可留空', 'optional') }),
      h('button', { type: 'submit' }, L('登录', 'Sign in')),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { role: role.value };
      if (STAFF.includes(role.value)) body.province = province.value;
      if (role.value === 'applicant') body.uscc = uscc.value.trim();
      if (sub.value.trim()) body.sub = sub.value.trim();
      const r = await post('/dev/token', body);
      clearOut();
      if (!r.ok) return out.append(problemBox(r.body));
      session.set(r.body.token);
      done();
    });
    main.append(form);
  }

  const token = h('textarea', { name: 'token', rows: '4', spellcheck: 'false', autocomplete: 'off' });
  const paste = h(
    'form',
    { class: 'card', id: 'token-signin' },
    h('h2', {}, L('粘贴令牌', 'Paste a token')),
    h('p', { class: 'hint' }, L('统一身份认证签发的 Bearer 令牌（JWT）。', 'A bearer token (JWT) from the identity provider.')),
    field(L('令牌', 'Token'), token),
    h('button', { type: 'submit' }, L('使用此令牌', 'Use this token')),
  );
  paste.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearOut();
    const claims = session.decode(token.value.trim());
    if (!claims?.role) return out.append(problemBox({ title: L('令牌无法读取', 'Unreadable token'), status: 401, detail: L('这不是一个 JWT。', 'This is not a JWT.') }));
    session.set(token.value);
    done();
  });
  main.append(paste, out);
  function clearOut() {
    while (out.firstChild) out.removeChild(out.firstChild);
  }
}
