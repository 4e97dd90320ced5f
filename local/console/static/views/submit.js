// Submitting a ninjs document as the demo partner.
import { api, problemText } from '../lib/sources.js';
import { announce, h } from '../lib/ui.js';

export async function viewSubmit() {
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
