// The Diplowire local console: plain DOM, no framework, no build step. Every value from the API or the
// emulators is put into the page with textContent (never as HTML): item text comes from partners.
//
// Live updates poll: every source the console reads (the API, /_local/events, /_local/queues,
// /_local/invocations) is a snapshot endpoint, so server-sent events would mean a server that polls the
// same snapshots; polling each view's sources once a second while it is open is simpler, survives a
// restart of the local cloud, and stops as soon as the view is left.

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
const POLL_MS = 1000;

let config = {};
let pollTimer;
let countdownTimer;

// --- small helpers ---------------------------------------------------------------------------------------

/** h('a', {href: '#'}, 'text', child) → an element; attributes starting with "on" are listeners. */
function h(tag, attrs = {}, ...children) {
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

function dirOf(language) {
  const primary = String(language ?? '')
    .toLowerCase()
    .split('-')[0];
  return RTL_LANGUAGES.has(primary) ? 'rtl' : 'ltr';
}

/** Text in its own language and direction. */
function langText(tag, language, text, attrs = {}) {
  return h(tag, { ...attrs, lang: language || undefined, dir: language ? dirOf(language) : 'auto' }, text);
}

function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return h('time', { datetime: d.toISOString() }, d.toLocaleTimeString(undefined, { hour12: false }));
}

function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function announce(text) {
  document.getElementById('status').textContent = text;
}

function outcomeClass(outcome) {
  if (['delivered', 'succeeded', 'ok', 'usable', 'released', 'COMPLETED'].includes(outcome)) return 'ok';
  if (['dead-lettered', 'failed', 'dropped', 'FAILED', 'retracted', 'error'].includes(outcome)) return 'bad';
  return 'warn';
}

async function api(path, options = {}) {
  const headers = { ...(options.headers ?? {}) };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  if (options.method && options.method !== 'GET') headers['x-diplowire-console'] = '1';
  const response = await fetch(`/api${path}`, { ...options, headers });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, ok: response.ok, body, etag: response.headers.get('etag') };
}

async function local(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

async function sqs(operation, input) {
  const response = await fetch('/_local/sqs', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${operation}`,
      'x-diplowire-console': '1',
    },
    body: JSON.stringify(input),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message ?? `${operation} failed`);
  return body;
}

/** Every event on every bus, oldest first. */
async function busRecords() {
  const log = await local('/_local/events');
  return Object.values(log.buses ?? {})
    .flat()
    .sort((a, b) => String(a.ingestedAt).localeCompare(String(b.ingestedAt)));
}

function problemText(result) {
  const b = result.body;
  if (b && typeof b === 'object' && b.title)
    return `${result.status} ${b.title}${b.detail ? `: ${b.detail}` : ''}${
      Array.isArray(b.errors) ? ` (${b.errors.map((e) => `${e.pointer} ${e.message}`).join('; ')})` : ''
    }`;
  return `HTTP ${result.status}`;
}

// --- router ------------------------------------------------------------------------------------------------

const VIEWS = {
  items: viewItems,
  item: viewItem,
  submit: viewSubmit,
  flow: viewFlow,
  deliveries: viewDeliveries,
  queues: viewQueues,
  held: viewHeld,
};

async function route() {
  clearTimeout(pollTimer);
  clearInterval(countdownTimer);
  const hash = location.hash.replace(/^#\/?/, '') || 'items';
  const [pathPart, query = ''] = hash.split('?');
  const [name, ...rest] = pathPart.split('/');
  const params = new URLSearchParams(query);
  const view = name === 'items' && rest[0] ? VIEWS.item : (VIEWS[name] ?? VIEWS.items);
  for (const link of document.querySelectorAll('nav a')) {
    const target = link.getAttribute('href').replace(/^#\/?/, '').split(/[/?]/)[0];
    if (target === (name === 'item' ? 'items' : name)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const main = document.getElementById('view');
  const token = Symbol('render');
  route.current = token;
  const render = async (first) => {
    if (route.current !== token) return;
    try {
      const content = await view(rest.map(decodeURIComponent), params);
      if (route.current !== token) return;
      // Keep focus and form state: polling views re-render only their live part.
      if (first || !content.live) {
        main.replaceChildren(content.node ?? content);
        // Moving focus to the new view tells screen readers it changed; not on the first load.
        if (first && route.navigated) main.focus({ preventScroll: true });
      } else {
        main.querySelector('[data-live]')?.replaceWith(content.live);
      }
      if (content.poll) pollTimer = setTimeout(() => render(false), POLL_MS);
    } catch (error) {
      main.replaceChildren(
        h('p', { class: 'bad', role: 'alert' }, `Could not load this view: ${error.message}`),
      );
    }
  };
  await render(true);
}

// --- items ---------------------------------------------------------------------------------------------------

/** The demo partner's items, newest first, from the events on the bus (the API has no listing yet). */
async function viewItems() {
  const records = await busRecords();
  const items = new Map();
  for (const { event } of records) {
    const d = event.detail ?? {};
    if (!d.itemId || (config.partnerId && d.partnerId && d.partnerId !== config.partnerId)) continue;
    const entry = items.get(d.itemId) ?? { id: d.itemId, events: [] };
    entry.events.push(event['detail-type']);
    if (d.headline) entry.headline = d.headline;
    if (d.language && !entry.language) entry.language = d.language;
    entry.version = Math.max(entry.version ?? 0, d.version ?? 0);
    entry.last = event.time;
    entry.state = stateOf(event['detail-type'], d, entry.state);
    items.set(d.itemId, entry);
  }
  const rows = [...items.values()].sort((a, b) => String(b.last).localeCompare(String(a.last)));
  const live = h(
    'div',
    { 'data-live': '' },
    rows.length === 0
      ? h('p', {}, 'No items yet. ', h('a', { href: '#/submit' }, 'Submit the seed article'), ' to see one.')
      : h(
          'table',
          {},
          h('caption', { class: 'visually-hidden' }, 'Items of the demo partner'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Headline', 'Version', 'State', 'Last event', 'Flow'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            rows.map((item) =>
              h(
                'tr',
                {},
                h(
                  'td',
                  {},
                  h(
                    'a',
                    { href: `#/items/${item.id}` },
                    langText('span', item.language, item.headline ?? item.id),
                  ),
                ),
                h('td', {}, String(item.version)),
                h('td', {}, h('span', { class: `badge ${outcomeClass(item.state)}` }, item.state)),
                h('td', {}, time(item.last)),
                h(
                  'td',
                  {},
                  h('a', { href: `#/flow?id=${item.id}`, 'aria-label': `Flow of ${item.id}` }, 'flow'),
                ),
              ),
            ),
          ),
        ),
  );
  return { node: h('section', {}, h('h2', {}, 'Items'), live), live, poll: true };
}

/** released, held or retracted, from an item event. */
function stateOf(detailType, detail, previous) {
  if (detailType === 'NewsItemRetracted' || detail.pubstatus === 'canceled') return 'retracted';
  if (detailType === 'NewsItemEmbargoed') return 'held';
  if (detailType === 'NewsItemTranslated') return previous ?? 'released';
  return 'released';
}

async function viewItem([id]) {
  const item = await api(`/v1/items/${encodeURIComponent(id)}`);
  if (!item.ok) return h('p', { class: 'bad', role: 'alert' }, problemText(item));
  const versions = await api(`/v1/items/${encodeURIComponent(id)}/versions`);
  const doc = item.body;
  const language = doc.language;
  const latest = Number(item.etag?.replaceAll('"', '') ?? versions.body?.versions?.at(-1)?.version ?? 1);
  const translation = await findTranslation(id, language);
  const held = doc.embargoed && Date.parse(doc.embargoed) > Date.now();
  const state =
    doc.pubstatus === 'canceled' ? 'retracted' : held || doc.pubstatus === 'withheld' ? 'held' : 'released';

  const original = h(
    'article',
    { lang: language, dir: dirOf(language), 'aria-label': `Original (${language})` },
    h('h3', {}, (doc.headlines ?? [])[0]?.value ?? doc.headline ?? ''),
    (doc.bodies ?? []).map((b) => h('p', { class: 'body' }, b.value)),
  );
  const translated = translation
    ? h(
        'article',
        {
          lang: translation.language,
          dir: dirOf(translation.language),
          'aria-label': `Translation (${translation.language})`,
        },
        translation.status === 'translated'
          ? [
              h('h3', {}, translation.headlines[0]?.value ?? ''),
              translation.bodies.map((b) => h('p', { class: 'body' }, b.value)),
            ]
          : h(
              'p',
              { class: 'muted', lang: 'en', dir: 'ltr' },
              `Translation ${translation.status}: ${translation.reason ?? ''}`,
            ),
      )
    : h('article', { 'aria-label': 'Translation' }, h('p', { class: 'muted' }, 'No translation (yet).'));

  const versionList = versions.body?.versions ?? [];
  const diffArea = h('div', { 'aria-live': 'polite' });
  const from = h(
    'select',
    { id: 'diff-from' },
    versionList.map((v) => h('option', { value: v.version }, `v${v.version}`)),
  );
  const to = h(
    'select',
    { id: 'diff-to' },
    versionList.map((v) =>
      h('option', { value: v.version, selected: v.version === latest }, `v${v.version}`),
    ),
  );
  const showDiff = async () => {
    const [a, b] = await Promise.all(
      [from.value, to.value].map((v) => api(`/v1/items/${encodeURIComponent(id)}/versions/${v}`)),
    );
    diffArea.replaceChildren(renderDiff(textOf(a.body), textOf(b.body), language));
  };

  return h(
    'section',
    {},
    h('h2', {}, 'Item ', h('code', {}, id)),
    h(
      'p',
      {},
      'Version ',
      String(latest),
      ' · ',
      h('span', { class: `badge ${outcomeClass(state)}`, 'data-testid': 'release-state' }, state),
      held ? [' · releases at ', time(doc.embargoed)] : '',
      ' · ',
      h('a', { href: `#/flow?id=${id}` }, 'follow its flow'),
    ),
    h('div', { class: 'side-by-side' }, original, translated),
    h('h3', {}, 'Versions'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Version', 'State', 'Received'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        versionList.map((v) =>
          h(
            'tr',
            {},
            h('td', {}, `v${v.version}`),
            h('td', {}, v.pubstatus),
            h('td', {}, time(v.receivedAt)),
          ),
        ),
      ),
    ),
    versionList.length > 1
      ? h(
          'form',
          {
            onsubmit: (e) => {
              e.preventDefault();
              showDiff();
            },
          },
          h('h3', {}, 'Compare versions'),
          h('label', { for: 'diff-from' }, 'From'),
          from,
          h('label', { for: 'diff-to' }, 'To'),
          to,
          h('p', {}, h('button', { type: 'submit' }, 'Show the difference')),
          diffArea,
        )
      : h('p', { class: 'muted' }, 'One version so far: nothing to compare.'),
  );
}

async function findTranslation(id, language) {
  const target = String(language).toLowerCase().startsWith('en') ? 'ar' : 'en';
  const result = await api(`/v1/items/${encodeURIComponent(id)}/translations/${target}`);
  return result.ok ? result.body : undefined;
}

function textOf(doc = {}) {
  return [
    ...(doc.headlines ?? []).map((x) => x.value),
    ...(doc.bodies ?? []).map((x) => x.value),
    doc.pubstatus ? `pubstatus: ${doc.pubstatus}` : '',
  ].join('\n');
}

/** A word diff (longest common subsequence); long texts fall back to lines. */
function renderDiff(a, b, language) {
  const split = (s) => (a.length + b.length > 40000 ? s.split(/(\n)/) : s.split(/(\s+)/));
  const x = split(a);
  const y = split(b);
  const n = x.length;
  const m = y.length;
  const table = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      table[i][j] = x[i] === y[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
  const out = h('div', { class: 'diff', lang: language, dir: dirOf(language), 'aria-label': 'Differences' });
  let i = 0;
  let j = 0;
  let changes = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      out.append(x[i]);
      i++;
      j++;
    } else if (j < m && (i === n || table[i][j + 1] >= table[i + 1][j])) {
      out.append(h('ins', {}, y[j++]));
      changes++;
    } else {
      out.append(h('del', {}, x[i++]));
      changes++;
    }
  }
  return changes === 0 ? h('p', {}, 'The two versions have the same text.') : out;
}

// --- submit --------------------------------------------------------------------------------------------------

async function viewSubmit() {
  const area = h('textarea', { id: 'submit-body', spellcheck: 'false', 'aria-describedby': 'submit-help' });
  const result = h('div', { 'aria-live': 'polite' });
  const load = async () => {
    const response = await fetch('/examples/seed-article.json');
    area.value = await response.text();
    announce('Seed article loaded');
  };
  const submit = async (event) => {
    event.preventDefault();
    const answer = await api('/v1/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: area.value,
    });
    if (!answer.ok) {
      result.replaceChildren(h('p', { class: 'bad', role: 'alert' }, problemText(answer)));
      return;
    }
    const id = answer.body.id;
    result.replaceChildren(
      h(
        'p',
        { class: 'ok' },
        `${answer.status === 201 ? 'Accepted' : 'Already stored'}: `,
        h('code', {}, id),
        ` version ${answer.body.version}. `,
        h('a', { href: `#/flow?id=${id}`, id: 'follow-flow' }, 'Follow its flow'),
        ' · ',
        h('a', { href: `#/items/${id}` }, 'open the item'),
      ),
    );
  };
  return h(
    'section',
    {},
    h('h2', {}, 'Submit an item'),
    h(
      'form',
      { onsubmit: submit },
      h('label', { for: 'submit-body' }, 'ninjs 2.2 document (JSON)'),
      h('p', { id: 'submit-help', class: 'muted' }, "Posted to POST /v1/items with the demo partner's key."),
      area,
      h(
        'p',
        {},
        h('button', { type: 'button', onclick: load }, 'Load the seed article'),
        ' ',
        h('button', { type: 'submit', class: 'primary' }, 'Submit'),
      ),
    ),
    result,
  );
}

// --- flow ------------------------------------------------------------------------------------------------------

async function viewFlow(_rest, params) {
  let id = params.get('id');
  const uri = params.get('uri');
  const records = await busRecords();
  if (!id && uri) id = records.find((r) => r.event.detail?.uri === uri)?.event.detail.itemId;
  const form = h(
    'form',
    {
      onsubmit: (e) => {
        e.preventDefault();
        location.hash = `#/flow?id=${encodeURIComponent(e.target.elements.item.value.trim())}`;
      },
    },
    h('label', { for: 'flow-item' }, 'Item id'),
    h('input', { id: 'flow-item', name: 'item', value: id ?? '', placeholder: 'itm_…', autocomplete: 'off' }),
    h('p', {}, h('button', { type: 'submit' }, 'Show the flow')),
  );
  if (!id) {
    const waiting = uri
      ? h('p', { 'data-live': '' }, `Waiting for an item with uri ${uri}…`)
      : h('p', { 'data-live': '' }, 'Enter an item id, or open one from Items.');
    return {
      node: h('section', {}, h('h2', {}, 'Flow of an item'), form, waiting),
      live: waiting,
      poll: Boolean(uri),
    };
  }
  const live = await flowSteps(id, records);
  return { node: h('section', {}, h('h2', {}, 'Flow of ', h('code', {}, id)), form, live), live, poll: true };
}

/** Every recorded step that concerns one item, in time order: API, table, stream, publisher, bus, rules, targets, webhooks. */
async function flowSteps(id, records) {
  const [item, versions, invocationLog, subscriptions, { rules }] = await Promise.all([
    api(`/v1/items/${encodeURIComponent(id)}`),
    api(`/v1/items/${encodeURIComponent(id)}/versions`),
    local(`/_local/invocations?contains=${encodeURIComponent(id)}&limit=500`),
    api('/v1/subscriptions'),
    local('/_local/rules'),
  ]);
  const targetOf = (ruleName, targetId) =>
    rules.find((r) => r.name === ruleName)?.targets.find((t) => t.id === targetId);
  const steps = [];
  const invocations = invocationLog.invocations ?? [];
  const step = (at, kind, title, outcome, details = []) =>
    steps.push({ at, kind, title, outcome, details, order: steps.length });

  // Writes only: the console's own reads of the item are API invocations too.
  const writes = invocations.filter(
    (i) => i.trigger === 'api' && /"routeKey":"(POST|PUT|DELETE) /.test(i.event),
  );
  for (const inv of writes) {
    const status = /"statusCode":(\d+)/.exec(inv.result)?.[1];
    step(
      inv.startedAt,
      'accepted (API)',
      `${inv.function} answered ${status ?? (inv.ok ? 'ok' : inv.errorType)}`,
      inv.ok && status && status < 400 ? 'ok' : 'error',
      [`${inv.durationMs} ms`],
    );
  }
  for (const v of versions.body?.versions ?? [])
    step(v.receivedAt, 'stored (table)', `version ${v.version} stored, pubstatus ${v.pubstatus}`, 'ok');
  for (const inv of invocations.filter((i) => i.trigger === 'dynamodb-stream'))
    step(
      inv.startedAt,
      'stream record → publisher',
      `${inv.function} ${inv.ok ? 'published' : `failed: ${inv.errorMessage}`}`,
      inv.ok ? 'ok' : 'error',
      [`${inv.durationMs} ms`, inv.coldStart ? 'cold start' : 'warm'],
    );

  const itemEvents = records.filter((r) => r.event.detail?.itemId === id);
  const eventIds = new Set(itemEvents.map((r) => r.event.detail.eventId));
  for (const record of itemEvents) {
    const { event } = record;
    const targets = record.deliveries.map((d) => {
      const target = targetOf(d.rule, d.target);
      const targetName = target?.arn.split(':').at(-1) ?? d.target;
      const targetRuns = invocations.filter(
        (i) => i.trigger === 'eventbridge' && i.function === targetName && i.event.includes(event.id),
      );
      const retries = Math.max(0, d.attempts - 1);
      return h(
        'li',
        { 'data-rule': d.rule },
        `rule ${d.rule} → ${targetName}: `,
        h('span', { class: outcomeClass(d.outcome) }, d.outcome),
        ` after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${retries ? ` (${retries} retr${retries === 1 ? 'y' : 'ies'})` : ''}`,
        d.outcome === 'dead-lettered'
          ? ` → dead-letter queue ${target?.deadLetterArn?.split(':').at(-1) ?? ''}`
          : '',
        d.error ? ` · ${d.error}` : '',
        targetRuns.length
          ? h(
              'ul',
              {},
              targetRuns.map((run) =>
                h(
                  'li',
                  {},
                  `invocation of ${run.function}: `,
                  h(
                    'span',
                    { class: run.ok ? 'ok' : 'bad' },
                    run.ok ? 'ok' : `${run.errorType}: ${run.errorMessage}`,
                  ),
                  ` (${run.durationMs} ms)`,
                ),
              ),
            )
          : '',
      );
    });
    const unmatched = record.matchedRules.length === 0 ? h('li', { class: 'muted' }, 'no rule matched') : '';
    step(
      record.ingestedAt ?? event.time,
      'bus',
      `${event['detail-type']} v${event.detail.version} on the bus; ${record.matchedRules.length} rule${record.matchedRules.length === 1 ? '' : 's'} matched`,
      record.deliveries.some((d) => d.outcome === 'dead-lettered' || d.outcome === 'dropped')
        ? 'error'
        : record.deliveries.some((d) => d.outcome === 'pending')
          ? 'pending'
          : 'ok',
      [h('ul', {}, targets, unmatched)],
    );
  }
  for (const inv of invocations.filter((i) => i.trigger === 'sqs'))
    step(
      inv.startedAt,
      'queue consumer',
      `${inv.function} ${inv.ok ? 'handled its queue message' : `failed: ${inv.errorMessage}`}`,
      inv.ok ? 'ok' : 'error',
      [`${inv.durationMs} ms`],
    );

  for (const sub of subscriptions.body?.subscriptions ?? []) {
    const list = await api(`/v1/subscriptions/${sub.id}/deliveries`);
    for (const delivery of list.body?.deliveries ?? []) {
      if (!eventIds.has(delivery.eventId)) continue;
      const last = delivery.attempts.at(-1);
      step(
        last?.at ?? delivery.createdAt,
        'webhook',
        `${delivery.eventType} to ${sub.url}: ${delivery.status}`,
        delivery.status === 'succeeded' ? 'ok' : delivery.status === 'pending' ? 'pending' : 'error',
        [
          `${delivery.attempts.length} attempt${delivery.attempts.length === 1 ? '' : 's'}`,
          last?.httpStatus ? `HTTP ${last.httpStatus}` : (last?.error ?? ''),
          last ? `${last.durationMs} ms` : '',
        ],
      );
    }
  }
  // Every time here is read from the local clock (the bus's ingestion time, not the event's `time`,
  // which the publisher takes from the stream record and DynamoDB Local rounds). Equal times keep the
  // pipeline order in which the steps were collected.
  steps.sort((a, b) => String(a.at).localeCompare(String(b.at)) || a.order - b.order);
  const cls = (o) => (o === 'ok' ? 'step-ok' : o === 'pending' ? 'step-pending' : 'step-bad');
  return h(
    'div',
    { 'data-live': '' },
    item.ok ? '' : h('p', { class: 'bad' }, problemText(item)),
    h(
      'ol',
      { class: 'flow', 'aria-label': 'Steps, oldest first' },
      steps.map((s) =>
        h(
          'li',
          { class: cls(s.outcome), 'data-kind': s.kind },
          h('div', { class: 'kind' }, s.kind, ' · ', time(s.at)),
          h(
            'div',
            {},
            s.title,
            ' ',
            h('span', { class: outcomeClass(s.outcome) }, s.outcome === 'ok' ? '' : `(${s.outcome})`),
          ),
          s.details.filter(Boolean).length
            ? h(
                'div',
                { class: 'muted' },
                s.details.filter(Boolean).map((d, i) => [i && typeof d === 'string' ? ' · ' : '', d]),
              )
            : '',
        ),
      ),
    ),
  );
}

// --- deliveries ----------------------------------------------------------------------------------------------

async function viewDeliveries(_rest, params) {
  const subs = (await api('/v1/subscriptions')).body?.subscriptions ?? [];
  if (subs.length === 0)
    return h(
      'section',
      {},
      h('h2', {}, 'Webhook deliveries'),
      h('p', {}, 'No subscriptions. Create one with POST /v1/subscriptions (see the API reference).'),
    );
  const selected = params.get('subscription') ?? subs[0].id;
  const picker = h(
    'select',
    { id: 'subscription', onchange: (e) => (location.hash = `#/deliveries?subscription=${e.target.value}`) },
    subs.map((s) => h('option', { value: s.id, selected: s.id === selected }, `${s.url} (${s.status})`)),
  );
  const live = await deliveriesTable(selected);
  return {
    node: h(
      'section',
      {},
      h('h2', {}, 'Webhook deliveries'),
      h('label', { for: 'subscription' }, 'Subscription'),
      picker,
      live,
    ),
    live,
    poll: true,
  };
}

async function deliveriesTable(subscriptionId) {
  const list = await api(`/v1/subscriptions/${subscriptionId}/deliveries`);
  const deliveries = list.body?.deliveries ?? [];
  const redeliver = async (delivery, button) => {
    button.disabled = true;
    const answer = await api(`/v1/subscriptions/${subscriptionId}/deliveries/${delivery.id}/redeliver`, {
      method: 'POST',
    });
    announce(answer.ok ? `Redelivery of ${delivery.id} queued` : problemText(answer));
  };
  return h(
    'div',
    { 'data-live': '' },
    deliveries.length === 0
      ? h('p', {}, 'No deliveries yet.')
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Event', 'Status', 'Attempts', 'Last response', 'Latency', ''].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            deliveries.map((d) => {
              const last = d.attempts.at(-1);
              const button = h('button', { type: 'button', 'aria-label': `Redeliver ${d.id}` }, 'Redeliver');
              button.addEventListener('click', () => redeliver(d, button));
              return h(
                'tr',
                {},
                h('td', {}, d.eventType, h('br'), h('code', { class: 'muted' }, d.id)),
                h('td', {}, h('span', { class: outcomeClass(d.status) }, d.status)),
                h('td', {}, String(d.attempts.length)),
                h(
                  'td',
                  {},
                  last ? (last.httpStatus ? `HTTP ${last.httpStatus}` : (last.error ?? '')) : '',
                  last ? [' · ', time(last.at)] : '',
                ),
                h('td', {}, last ? `${last.durationMs} ms` : ''),
                h('td', {}, button),
              );
            }),
          ),
        ),
  );
}

// --- queues ----------------------------------------------------------------------------------------------------

async function viewQueues(_rest, params) {
  const live = await queuesLive(params.get('peek'));
  return { node: h('section', {}, h('h2', {}, 'Queues and dead-letter queues'), live), live, poll: true };
}

async function queuesLive(peekName) {
  return h('div', { 'data-live': '' }, await queuesTable(), peekName ? await peekQueue(peekName) : '');
}

async function queuesTable() {
  const { queues } = await local('/_local/queues');
  const now = Date.now();
  return h(
    'div',
    {},
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, 'Queues'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Queue', 'Visible', 'In flight', 'Delayed', 'Oldest message', ''].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        queues.map((q) => {
          const isDlq = Array.isArray(q.deadLetterSourceQueues) || /-dlq$/.test(q.name);
          const depth = q.visible + q.inFlight + q.delayed;
          return h(
            'tr',
            { 'data-queue': q.name },
            h(
              'th',
              { scope: 'row' },
              q.name,
              isDlq ? [' ', h('span', { class: `badge ${depth ? 'bad' : 'muted'}` }, 'DLQ')] : '',
            ),
            h('td', {}, String(q.visible)),
            h('td', {}, String(q.inFlight)),
            h('td', {}, String(q.delayed)),
            h('td', {}, q.oldestSentTimestamp ? ago(now - q.oldestSentTimestamp) : '–'),
            h(
              'td',
              {},
              h(
                'a',
                { href: `#/queues?peek=${encodeURIComponent(q.name)}`, 'aria-label': `Peek at ${q.name}` },
                'peek',
              ),
              q.deadLetterSourceQueues && depth > 0
                ? [
                    ' ',
                    h(
                      'button',
                      {
                        type: 'button',
                        'aria-label': `Redrive ${q.name} to ${q.deadLetterSourceQueues.join(', ')}`,
                        onclick: (e) => redrive(q, e.currentTarget),
                      },
                      'Redrive',
                    ),
                  ]
                : '',
            ),
          );
        }),
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      "Redrive moves a dead-letter queue's messages back to the queue they came from (SQS StartMessageMoveTask). Dead-letter queues of EventBridge targets and stream mappings have no source queue to return to.",
    ),
  );
}

async function redrive(queue, button) {
  button.disabled = true;
  try {
    await sqs('StartMessageMoveTask', { SourceArn: queue.arn });
    announce(`Redrive of ${queue.name} started`);
    for (let i = 0; i < 60; i++) {
      const { Results = [] } = await sqs('ListMessageMoveTasks', { SourceArn: queue.arn });
      const task = Results[0];
      if (task && task.Status !== 'RUNNING') {
        announce(
          `Redrive of ${queue.name}: ${task.Status.toLowerCase()}, ${task.ApproximateNumberOfMessagesMoved} of ${task.ApproximateNumberOfMessagesToMove} moved${task.FailureReason ? `: ${task.FailureReason}` : ''}`,
        );
        // Show the queues as they are now, not at the next poll.
        const peekName = new URLSearchParams(location.hash.split('?')[1] ?? '').get('peek');
        document.querySelector('#view [data-live]')?.replaceWith(await queuesLive(peekName));
        showNotice(
          `Redrive of ${queue.name}: ${task.Status.toLowerCase()}, ${task.ApproximateNumberOfMessagesMoved} of ${task.ApproximateNumberOfMessagesToMove} moved`,
          task.Status === 'COMPLETED',
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (error) {
    showNotice(`Redrive of ${queue.name} failed: ${error.message}`, false);
  }
}

function showNotice(text, ok) {
  const main = document.getElementById('view');
  main.querySelector('.notice')?.remove();
  main.prepend(h('p', { class: `notice ${ok ? 'ok' : 'bad'}`, role: ok ? 'status' : 'alert' }, text));
}

async function peekQueue(name) {
  const queue = await local(`/_local/queues/${encodeURIComponent(name)}`);
  return h(
    'section',
    { 'aria-label': `Messages in ${name}` },
    h('h3', {}, `Messages in ${name} (not received: peeking changes nothing)`),
    queue.messages.length === 0
      ? h('p', {}, 'Empty.')
      : queue.messages.slice(0, 50).map((m) =>
          h(
            'details',
            // Open while there are few, so a poll's re-render shows them as before.
            { open: queue.messages.length <= 5 },
            h(
              'summary',
              {},
              h('code', {}, m.messageId),
              ` · ${m.state} · received ${m.receiveCount}× · sent `,
              time(new Date(m.sentTimestamp).toISOString()),
              m.deadLetterQueueSourceArn ? ` · from ${m.deadLetterQueueSourceArn.split(':').at(-1)}` : '',
            ),
            h('pre', {}, prettyJson(m.body)),
            Object.keys(m.messageAttributes ?? {}).length
              ? h('pre', {}, JSON.stringify(m.messageAttributes, null, 2))
              : '',
          ),
        ),
  );
}

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// --- held items ------------------------------------------------------------------------------------------------

/**
 * Items under embargo: the latest event of each item says so (`NewsItemEmbargoed`, or an `embargoed`
 * time still ahead without a `releasedAt`). Counts down to the release time.
 */
async function viewHeld() {
  const latest = new Map();
  for (const { event } of await busRecords()) {
    const d = event.detail ?? {};
    if (d.itemId && event['detail-type'] !== 'NewsItemTranslated')
      latest.set(d.itemId, { type: event['detail-type'], detail: d });
  }
  const now = Date.now();
  const held = [...latest.values()].filter(
    ({ type, detail }) =>
      type === 'NewsItemEmbargoed' ||
      (detail.embargoed && !detail.releasedAt && Date.parse(detail.embargoed) > now),
  );
  const live = h(
    'div',
    { 'data-live': '' },
    held.length === 0
      ? h('p', {}, 'No held items.')
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Item', 'Release time', 'Releases in'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            held.map(({ detail }) =>
              h(
                'tr',
                {},
                h(
                  'td',
                  {},
                  h(
                    'a',
                    { href: `#/items/${detail.itemId}` },
                    langText('span', detail.language, detail.headline ?? detail.itemId),
                  ),
                ),
                h('td', {}, time(detail.embargoed)),
                h(
                  'td',
                  {},
                  h(
                    'span',
                    { class: 'countdown', 'data-release': detail.embargoed },
                    ago(Date.parse(detail.embargoed) - now),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
  clearInterval(countdownTimer);
  countdownTimer = setInterval(() => {
    for (const el of document.querySelectorAll('[data-release]')) {
      const left = Date.parse(el.dataset.release) - Date.now();
      el.textContent = left > 0 ? ago(left) : 'due now';
    }
  }, 1000);
  return { node: h('section', {}, h('h2', {}, 'Held items'), live), live, poll: true };
}

// --- start -------------------------------------------------------------------------------------------------------

async function main() {
  config = await (await fetch('/config.json')).json();
  window.addEventListener('hashchange', () => {
    route.navigated = true;
    route();
  });
  // The skip link moves focus without changing the route (its href would be read as one).
  document.querySelector('.skip').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('view').focus();
  });
  await route();
}

main();
