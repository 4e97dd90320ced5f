// The demo partner's items and one item: its versions, translations and a diff between versions.
import { api, busRecords, config, problemText } from '../lib/sources.js';
import { dirOf, h, langText, outcomeClass, time } from '../lib/ui.js';

/** The demo partner's items, newest first, from the events on the bus (the API has no listing yet). */
export async function viewItems() {
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

export async function viewItem([id]) {
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
