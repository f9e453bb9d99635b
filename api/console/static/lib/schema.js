// Checks a value against a JSON Schema from /openapi.json: the document the API generates from
// its zod schemas, so the form is checked against the same rules the API enforces. Covers the
// keywords those schemas use; cross-field rules (R01, R03, R09) are the API's answer (422).
export function check(schema, value, root, path = []) {
  const errors = [];
  const at = path.join('.');
  const fail = (message) => errors.push({ path: at, message });
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop();
    return check(root.components.schemas[name], value, root, path);
  }
  if (schema.anyOf || schema.oneOf) {
    const alts = schema.anyOf ?? schema.oneOf;
    const results = alts.map((s) => check(s, value, root, path));
    if (results.some((r) => r.length === 0)) return errors;
    return results.sort((a, b) => a.length - b.length)[0];
  }
  if (schema.allOf) return schema.allOf.flatMap((s) => check(s, value, root, path));
  if (schema.const !== undefined && value !== schema.const) fail(`expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) fail(`expected one of: ${schema.enum.join(', ')}`);
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const want = schema.type;
  if (want) {
    const ok = [want].flat().some((t) => t === type || (t === 'integer' && type === 'number' && Number.isInteger(value)) || (t === 'number' && type === 'number'));
    if (!ok) {
      fail(`expected ${[want].flat().join(' or ')}`);
      return errors;
    }
  }
  if (type === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) fail(`at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) fail(`at most ${schema.maxLength} characters`);
    if (schema.pattern && !regex(schema.pattern).test(value)) fail('does not match the expected format');
  }
  if (type === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`at most ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) fail(`more than ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) fail(`less than ${schema.exclusiveMaximum}`);
  }
  if (type === 'array') {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail(`at least ${schema.minItems} item(s)`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail(`at most ${schema.maxItems} item(s)`);
    if (schema.items) value.forEach((v, i) => errors.push(...check(schema.items, v, root, [...path, i])));
  }
  if (type === 'object') {
    for (const k of schema.required ?? []) if (value[k] === undefined) errors.push({ path: [...path, k].join('.'), message: 'required' });
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (schema.properties?.[k]) errors.push(...check(schema.properties[k], v, root, [...path, k]));
      else if (schema.additionalProperties === false) errors.push({ path: [...path, k].join('.'), message: `unknown field '${k}'` });
    }
  }
  return errors;
}

function regex(pattern) {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return new RegExp(pattern);
  }
}

let doc;
/** The API's OpenAPI document, fetched once. */
export async function openapi() {
  doc ??= fetch('/openapi.json').then((r) => r.json());
  return doc;
}

export async function checkBody(schemaName, value) {
  const root = await openapi();
  const schema = root.components.schemas[schemaName];
  return schema ? check(schema, value, root) : [];
}
