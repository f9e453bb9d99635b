// Small DOM helpers: elements are built with text nodes only (never innerHTML), so nothing the API
// returns can inject markup.
import { L } from './i18n.js';

/** h('p', { class: 'x', onclick: fn }, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let ids = 0;
/** A labelled form field: <label for> + control + error line (aria-describedby). `path` ties API field errors to it. */
export function field(label, control, { hint, path } = {}) {
  const id = control.id || `f${++ids}`;
  control.id = id;
  if (path) control.dataset.path = path;
  const err = h('p', { class: 'err', id: `${id}-err` });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  control.setAttribute('aria-describedby', [hintEl ? hintEl.id : null, err.id].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl, err);
}

export function input(attrs = {}) {
  return h('input', { type: 'text', ...attrs });
}

export function select(options, attrs = {}) {
  const el = h('select', attrs);
  for (const o of options) {
    const [value, text] = Array.isArray(o) ? o : [o, o];
    el.append(h('option', { value }, text));
  }
  if (attrs.value !== undefined) el.value = attrs.value;
  return el;
}

/** RFC 9457 problem details as the API sent them: title, status, detail and each failing field. */
export function problemBox(p) {
  const errors = Array.isArray(p.errors) ? p.errors : [];
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    h('p', { class: 'problem-title' }, `${L('操作被拒绝', 'Refused')}: ${p.title ?? ''} (${p.status ?? '?'})`),
    h('p', { class: 'problem-detail' }, p.detail ?? ''),
    errors.length ? h('ul', {}, errors.map((e) => h('li', {}, h('code', {}, e.path || '—'), ' ', e.message))) : null,
  );
}

/** Shows field errors next to the controls whose data-path matches (or its closest parent path). */
export function showFieldErrors(form, errors) {
  for (const el of form.querySelectorAll('.err')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const unplaced = [];
  for (const e of errors) {
    let path = e.path;
    let control = null;
    while (path && !(control = form.querySelector(`[data-path="${CSS.escape(path)}"]`))) path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    if (!control) {
      unplaced.push(e);
      continue;
    }
    control.setAttribute('aria-invalid', 'true');
    const err = document.getElementById(`${control.id}-err`);
    if (err) err.textContent = [err.textContent, e.message].filter(Boolean).join('; ');
  }
  return unplaced;
}

const dateFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
/** An instant in Beijing time, YYYY-MM-DD HH:mm. */
export function when(iso) {
  if (!iso) return '—';
  const parts = Object.fromEntries(dateFmt.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

export function dl(rows) {
  return h('dl', { class: 'facts' }, rows.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}
