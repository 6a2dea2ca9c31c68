import { api, evidenceUrl } from '../api.js';
import { h, replace } from '../dom.js';
import { deadline, placeNames, placeOf, time, typeName } from '../format.js';
import { t } from '../i18n.js';
import { doneMessage, REJECT_REASONS, transition } from '../ticket-actions.js';

const QUEUE_STATES = 'new,confirmed,reopened';
const QUEUE_SOURCES = ['ai', 'iot'];
const KEY_ACTIONS = { c: 'confirm', d: 'dispatch' };

/** Most urgent level first (1 is the most urgent), newest first within a level. */
const byUrgency = (a, b) =>
  a.ticket.level - b.ticket.level || b.ticket.createdAt.localeCompare(a.ticket.createdAt);

/**
 * The review queue: AI-flagged tickets waiting for review or dispatch, with their evidence,
 * updated from the live feed, driven by keyboard (J/K, C, R + 1-4, D, O).
 */
export async function renderQueue(root, ctx) {
  const names = await placeNames();
  const list = h('div', { class: 'queue', role: 'list' });
  const keys = h('p', { class: 'muted keys' }, t('queue.keys'));
  replace(root, keys, list);
  let items = [];
  let selected = 0;
  let rejecting = false;

  async function load() {
    // AI video events and IoT device events both wait for a person's review.
    const pages = await Promise.all(
      QUEUE_SOURCES.map((source) => api(`/tickets?state=${QUEUE_STATES}&source=${source}&limit=100`)),
    );
    const tickets = pages.flatMap((page) => page.tickets);
    const details = await Promise.all(
      tickets.map(async (ticket) => {
        const [detail, incident] = await Promise.all([
          api(`/tickets/${ticket.id}`),
          ticket.incidentId ? api(`/incidents/${ticket.incidentId}`).catch(() => null) : null,
        ]);
        return { ...detail, incident: incident?.incident ?? null };
      }),
    );
    const current = items[selected]?.ticket.id;
    items = details.filter((d) => d.allowedActions.length > 0).sort(byUrgency);
    const again = items.findIndex((d) => d.ticket.id === current);
    selected = again >= 0 ? again : Math.min(selected, Math.max(items.length - 1, 0));
    draw();
  }

  function draw() {
    if (items.length === 0) return replace(list, h('p', { class: 'empty' }, t('queue.empty')));
    replace(
      list,
      items.map((item, i) => card(item, i === selected, names)),
    );
    list.querySelector('.selected')?.scrollIntoView({ block: 'nearest' });
  }

  function card(item, isSelected, placeNamesMap) {
    const { ticket, evidence, incident, allowedActions } = item;
    const annotated =
      evidence.find((e) => e.kind === 'snapshotAnnotated') ?? evidence.find((e) => e.kind === 'snapshot');
    const clip = evidence.find((e) => e.kind === 'clip');
    const cameras = [...new Set((incident?.sources ?? []).map((s) => s.cameraId).filter(Boolean))];
    const others = cameras.filter((c) => c !== ticket.cameraId);
    const media = h(
      'div',
      { class: 'media' },
      annotated
        ? h('img', {
            src: evidenceUrl(annotated.sha256),
            alt: t('evidence.snapshotAnnotated'),
            loading: 'lazy',
          })
        : h('div', { class: 'no-media' }, t('queue.noSnapshot')),
      isSelected && clip
        ? h('video', {
            src: evidenceUrl(clip.sha256),
            autoplay: true,
            muted: true,
            loop: true,
            playsinline: true,
            controls: true,
          })
        : null,
    );
    const confidence = incident ? t('queue.confidence', { value: incident.confidence.toFixed(2) }) : '';
    return h(
      'article',
      {
        class: `qcard level-${ticket.level}${isSelected ? ' selected' : ''}`,
        role: 'listitem',
        dataset: { ticketId: ticket.id, state: ticket.state },
        onclick: () => {
          selected = items.indexOf(item);
          draw();
        },
      },
      media,
      h(
        'div',
        { class: 'facts' },
        h(
          'h3',
          {},
          `#${ticket.id} ${typeName(ticket.category)}`,
          h('span', { class: `badge state-${ticket.state}` }, t(`state.${ticket.state}`)),
        ),
        h('p', {}, `${t('ticket.camera')}: ${ticket.cameraId ?? '—'}`),
        h('p', {}, placeOf(ticket, placeNamesMap)),
        h('p', {}, `${time(ticket.createdAt)} · L${ticket.level} · ${confidence}`),
        h('p', { class: ticket.overdue ? 'late' : 'muted' }, deadline(ticket)),
        h(
          'p',
          { class: others.length ? 'multi' : 'muted' },
          others.length ? t('queue.otherCameras', { cameras: others.join(', ') }) : t('queue.oneCamera'),
        ),
        h(
          'div',
          { class: 'buttons' },
          allowedActions.includes('confirm') ? button('confirm', 'C', item) : null,
          allowedActions.includes('reject') ? button('reject', 'R', item) : null,
          allowedActions.includes('dispatch') ? button('dispatch', 'D', item) : null,
          h(
            'a',
            { href: `#/tickets/${ticket.id}`, class: 'open' },
            `${t('ticket.title', { id: ticket.id })} (O)`,
          ),
        ),
        isSelected && rejecting ? reasons(item) : null,
      ),
    );
  }

  function button(action, key, item) {
    return h(
      'button',
      {
        type: 'button',
        class: `act-${action}`,
        onclick: (e) => {
          e.stopPropagation();
          selected = items.indexOf(item);
          act(action);
        },
      },
      `${t(`action.${action}`)} (${key})`,
    );
  }

  function reasons(item) {
    return h(
      'div',
      { class: 'reasons', role: 'group', 'aria-label': t('reject.title') },
      h('strong', {}, t('reject.title')),
      REJECT_REASONS.map((reason, i) =>
        h(
          'button',
          {
            type: 'button',
            dataset: { reason },
            onclick: (e) => {
              e.stopPropagation();
              reject(item, reason);
            },
          },
          `${i + 1} ${t(`reject.${reason}`)}`,
        ),
      ),
      h(
        'button',
        {
          type: 'button',
          onclick: (e) => {
            e.stopPropagation();
            rejecting = false;
            draw();
          },
        },
        `Esc ${t('reject.cancel')}`,
      ),
    );
  }

  async function run(item, body) {
    try {
      const ticket = await transition(item.ticket.id, body);
      ctx.toast(doneMessage(body.action, ticket));
      rejecting = false;
      await load();
    } catch (error) {
      ctx.fail(error);
    }
  }

  function reject(item, reason) {
    return run(item, { action: 'reject', reason });
  }

  function act(action) {
    const item = items[selected];
    if (!item?.allowedActions.includes(action)) return;
    if (action === 'reject') {
      rejecting = true;
      return draw();
    }
    return run(item, { action });
  }

  const onKey = (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.toLowerCase();
    if (rejecting) {
      const reason = REJECT_REASONS[Number(key) - 1];
      if (reason) reject(items[selected], reason);
      else if (key === 'escape') {
        rejecting = false;
        draw();
      }
      return;
    }
    if (key === 'j' || key === 'arrowdown') selected = Math.min(selected + 1, items.length - 1);
    else if (key === 'k' || key === 'arrowup') selected = Math.max(selected - 1, 0);
    else if (key === 'r') return act('reject');
    else if (KEY_ACTIONS[key]) return act(KEY_ACTIONS[key]);
    else if (key === 'o' && items[selected]) return ctx.navigate(`#/tickets/${items[selected].ticket.id}`);
    else return;
    event.preventDefault();
    draw();
  };
  document.addEventListener('keydown', onKey);

  let pending;
  ctx.onLive((kind) => {
    if (kind !== 'ticket.created' && kind !== 'ticket.updated' && kind !== 'incident.updated') return;
    clearTimeout(pending);
    pending = setTimeout(() => load().catch(ctx.fail), 250);
  });
  await load();
  return () => {
    clearTimeout(pending);
    document.removeEventListener('keydown', onKey);
  };
}
