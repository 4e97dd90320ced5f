// The flow of one item through the local cloud, step by step.
import { api, busRecords, local, problemText } from '../lib/sources.js';
import { h, outcomeClass, time } from '../lib/ui.js';

export async function viewFlow(_rest, params) {
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
