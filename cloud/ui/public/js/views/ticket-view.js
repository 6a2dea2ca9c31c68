import { api, evidenceUrl } from '../api.js';
import { h, replace } from '../dom.js';
import { deadline, loadVocabulary, placeNames, placeOf, stateName, time, typeName } from '../format.js';
import { t } from '../i18n.js';
import { createLabeller } from '../labeller/labeller.js';
import { actionForms, doneMessage } from '../ticket-actions.js';
import { trucksCard } from './ticket-trucks.js';

/** One ticket: state, deadline, audit-trail timeline, evidence and the actions the role allows. */
export async function renderTicket(root, ctx, idText) {
  const id = Number(idText);
  const names = await placeNames();
  const vocabulary = await loadVocabulary();
  // One labeller per snapshot, kept across redraws so that live updates do not lose unsaved labels.
  const labellers = new Map();
  const labellerOf = (sha256) => {
    if (!labellers.has(sha256)) labellers.set(sha256, createLabeller(ctx, id, sha256));
    return labellers.get(sha256);
  };

  async function draw() {
    const detail = await api(`/tickets/${id}`);
    const { ticket } = detail;
    const facts = [
      [
        'ticket.state',
        h('span', { class: `badge state-${ticket.state}`, id: 'ticket-state' }, stateName(ticket.state)),
      ],
      ['ticket.step', ticket.step ? t(`step.${ticket.step}`) : '—'],
      [
        'ticket.due',
        h(
          'span',
          { class: ticket.overdue ? 'late' : undefined },
          `${time(ticket.stepDueAt)} · ${deadline(ticket)}`,
        ),
      ],
      ['ticket.level', `L${ticket.level}`],
      ['ticket.department', ticket.department],
      ['ticket.place', placeOf(ticket, names)],
      ['ticket.camera', ticket.cameraId ?? ticket.deviceId ?? '—'],
      ['ticket.model', ticket.model ? `${ticket.model.name} ${ticket.model.version}` : '—'],
      ['ticket.source', ticket.source],
      ['ticket.created', time(ticket.createdAt)],
      ticket.rejectReason ? ['ticket.reason', ticket.rejectReason] : null,
    ].filter(Boolean);
    const timeline = h(
      'ol',
      { class: 'timeline' },
      detail.history.map((step) =>
        h(
          'li',
          { dataset: { action: step.action } },
          h('time', {}, time(step.at)),
          ' ',
          h('strong', {}, step.from ? `${stateName(step.from)} → ${stateName(step.to)}` : stateName(step.to)),
          ` · ${step.actor} (${step.role})`,
          step.note ? h('div', { class: 'note' }, step.note) : null,
        ),
      ),
      detail.escalations.map((e) =>
        h('li', { class: 'late' }, t('ticket.escalated', { step: t(`step.${e.step}`), due: time(e.dueAt) })),
      ),
    );
    const evidence = h(
      'div',
      { class: 'evidence' },
      detail.evidence.map((e) =>
        h(
          'figure',
          {},
          e.kind === 'clip'
            ? h('video', {
                class: 'evidence-media',
                src: evidenceUrl(e.sha256),
                controls: true,
                muted: true,
                playsinline: true,
                preload: 'metadata',
              })
            : h('img', {
                class: 'evidence-media',
                src: evidenceUrl(e.sha256),
                alt: t(`evidence.${e.kind}`),
                loading: 'lazy',
              }),
          h('figcaption', {}, `${t(`evidence.${e.kind}`)} · ${e.cameraId} · ${time(e.observedAt)}`),
        ),
      ),
    );
    const forms = actionForms(detail, vocabulary, {
      onDone: (updated, action) => {
        ctx.toast(doneMessage(action, updated));
        draw().catch(ctx.fail);
      },
      onError: ctx.fail,
    });
    replace(
      root,
      h('a', { href: '#/tickets', class: 'back' }, t('ticket.back')),
      h('h1', {}, `${t('ticket.title', { id })} · ${typeName(ticket.category)}`),
      h(
        'div',
        { class: 'ticket-grid' },
        h(
          'section',
          { class: 'card' },
          h(
            'dl',
            { class: 'facts' },
            facts.map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)]),
          ),
        ),
        h(
          'section',
          { class: 'card actions' },
          h('h2', {}, t('ticket.actions')),
          forms.length ? forms : h('p', { class: 'muted' }, t('ticket.noActions')),
        ),
        h('section', { class: 'card' }, h('h2', {}, t('ticket.timeline')), timeline),
        trucksCard(ticket),
        h('section', { class: 'card wide' }, h('h2', {}, t('ticket.evidence')), evidence),
        [...new Set(detail.evidence.filter((e) => e.kind === 'snapshot').map((e) => e.sha256))].map(
          labellerOf,
        ),
      ),
    );
  }

  ctx.onLive((kind, data) => {
    if (
      (kind === 'ticket.updated' || kind === 'escalation') &&
      (data.ticket?.id ?? data.escalation?.ticketId) === id
    )
      draw().catch(ctx.fail);
  });
  await draw();
}
