// One builder for every action form (case decisions, supplement, follow-up, licence): labelled
// fields, the body checked against the API's schema for that route, then POSTed; a refusal shows
// the problem+json detail in the form.
import { post } from './api.js';
import { clear, field, h, input, problemBox, select, showFieldErrors } from './dom.js';
import { L } from './i18n.js';
import { checkBody } from './schema.js';

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * spec: { id, title, url, schema, submit, fields: [{ key, label, kind, options, hint, optional }] }
 * kinds: text, textarea, lines (one item per line → array), csv (comma/space separated → array),
 * select, date, datetime (→ ISO instant), documents (files → [{name, type, sha256}]).
 */
export function actionForm(spec, onDone) {
  const controls = spec.fields.map((fd) => [fd, control(fd)]);
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'action', id: spec.id, novalidate: true },
    h('h3', {}, spec.title),
    controls.map(([fd, el]) => field(fd.label, el, { path: fd.key, hint: fd.hint })),
    h('button', { type: 'submit' }, spec.submit ?? spec.title),
    out,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const body = {};
    for (const [fd, el] of controls) {
      const v = await valueOf(fd, el);
      if (v !== undefined) body[fd.key] = v;
    }
    const errors = spec.schema ? await checkBody(spec.schema, body) : [];
    const unplaced = showFieldErrors(form, errors);
    if (errors.length) {
      out.append(problemBox({ title: L('请检查填写内容', 'Please check the form'), status: 422, detail: L('不符合 API 的要求', "does not meet the API's schema"), errors: unplaced }));
      return;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    const r = await post(spec.url, body);
    button.disabled = false;
    if (!r.ok) {
      const rest = showFieldErrors(form, r.body?.errors ?? []);
      out.append(problemBox({ ...r.body, errors: rest }));
      return;
    }
    await onDone?.(r.body);
  });
  return form;
}

function control(fd) {
  switch (fd.kind) {
    case 'select':
      return select(fd.options, { value: fd.value });
    case 'textarea':
    case 'lines':
      return h('textarea', { rows: '3' });
    case 'date':
      return input({ type: 'date' });
    case 'datetime':
      return input({ type: 'datetime-local' });
    case 'documents':
      return h('input', { type: 'file', multiple: true });
    default:
      return input();
  }
}

async function valueOf(fd, el) {
  const text = el.value?.trim?.() ?? '';
  switch (fd.kind) {
    case 'lines':
      return text || !fd.optional ? text.split('\n').map((s) => s.trim()).filter(Boolean) : undefined;
    case 'csv':
      return text || !fd.optional ? text.split(/[\s,，、]+/).filter(Boolean) : undefined;
    case 'datetime':
      return text ? new Date(text).toISOString() : fd.optional ? undefined : '';
    case 'documents': {
      const docs = [];
      for (const file of el.files) docs.push({ name: file.name, type: 'other', sha256: hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer())) });
      return docs;
    }
    default:
      return text || !fd.optional ? text : undefined;
  }
}
