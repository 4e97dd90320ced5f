// The Diplowire local console: plain DOM, no framework, no build step. Every value from the API or the
// emulators is put into the page with textContent (never as HTML): item text comes from partners.
//
// Live updates poll: every source the console reads (the API, /_local/events, /_local/queues,
// /_local/invocations) is a snapshot endpoint, so server-sent events would mean a server that polls the
// same snapshots; polling each view's sources once a second while it is open is simpler, survives a
// restart of the local cloud, and stops as soon as the view is left.

import { config } from './lib/sources.js';
import { h } from './lib/ui.js';
import { viewDeliveries } from './views/deliveries.js';
import { viewFlow } from './views/flow.js';
import { stopCountdown, viewHeld } from './views/held.js';
import { viewItem, viewItems } from './views/items.js';
import { viewQueues } from './views/queues.js';
import { viewSubmit } from './views/submit.js';

const POLL_MS = 1000;

let pollTimer;

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
  stopCountdown();
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

// --- start -------------------------------------------------------------------------------------------------------

async function main() {
  Object.assign(config, await (await fetch('/config.json')).json());
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
