// Webhook subscriptions and their deliveries.
import { api, problemText } from '../lib/sources.js';
import { announce, h, outcomeClass, time } from '../lib/ui.js';

export async function viewDeliveries(_rest, params) {
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
