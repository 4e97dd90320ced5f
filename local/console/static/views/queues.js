// Queues and dead-letter queues: counts, a peek that consumes nothing, redrive.
import { local, sqs } from '../lib/sources.js';
import { ago, announce, h, time } from '../lib/ui.js';

export async function viewQueues(_rest, params) {
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
