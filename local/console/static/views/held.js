// Items under embargo, counting down to their release.
import { busRecords } from '../lib/sources.js';
import { ago, h, langText, time } from '../lib/ui.js';

let countdownTimer;

/** Stops the countdown (the router does, when the view is left). */
export function stopCountdown() {
  clearInterval(countdownTimer);
}

/**
 * Items under embargo: the latest event of each item says so (`NewsItemEmbargoed`, or an `embargoed`
 * time still ahead without a `releasedAt`). Counts down to the release time.
 */
export async function viewHeld() {
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
