// Building the page: elements, text in its own language and direction, times, the live status line.

const RTL_LANGUAGES = new Set([
  'ar',
  'arc',
  'ckb',
  'dv',
  'fa',
  'he',
  'ks',
  'ku',
  'ps',
  'sd',
  'ug',
  'ur',
  'yi',
]);

/** h('a', {href: '#'}, 'text', child) → an element; attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === false || value === null) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function dirOf(language) {
  const primary = String(language ?? '')
    .toLowerCase()
    .split('-')[0];
  return RTL_LANGUAGES.has(primary) ? 'rtl' : 'ltr';
}

/** Text in its own language and direction. */
export function langText(tag, language, text, attrs = {}) {
  return h(tag, { ...attrs, lang: language || undefined, dir: language ? dirOf(language) : 'auto' }, text);
}

export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return h('time', { datetime: d.toISOString() }, d.toLocaleTimeString(undefined, { hour12: false }));
}

export function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function announce(text) {
  document.getElementById('status').textContent = text;
}

export function outcomeClass(outcome) {
  if (['delivered', 'succeeded', 'ok', 'usable', 'released', 'COMPLETED'].includes(outcome)) return 'ok';
  if (['dead-lettered', 'failed', 'dropped', 'FAILED', 'retracted', 'error'].includes(outcome)) return 'bad';
  return 'warn';
}
