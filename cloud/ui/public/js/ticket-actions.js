import { api } from './api.js';
import { h } from './dom.js';
import { stateName } from './format.js';
import { t } from './i18n.js';

/** Reasons an operator gives for rejecting an AI event; kept as the ticket's reject reason. */
export const REJECT_REASONS = ['false_detection', 'not_a_violation', 'duplicate', 'other'];

/** POST one transition; returns the updated ticket. */
export async function transition(ticketId, body) {
  const result = await api(`/tickets/${ticketId}/transitions`, { method: 'POST', body });
  return result.ticket;
}

export function doneMessage(action, ticket) {
  return t('action.done', { action: t(`action.${action}`), id: ticket.id, state: stateName(ticket.state) });
}

/**
 * One form per allowed action: a button alone when nothing is required, the inputs otherwise
 * (the fields each action asks for come from the vocabulary). `onDone(ticket, action)` after the
 * server accepted it.
 */
export function actionForms(detail, vocabulary, { onDone, onError }) {
  return detail.allowedActions.map((action) => {
    const fields = vocabulary.actionFields[action] ?? [];
    const inputs = {};
    const rows = fields.map((spec) => {
      const name = spec.replace('?', '');
      const required = !spec.endsWith('?');
      let input;
      if (name === 'reason') {
        input = h(
          'select',
          { name, required },
          REJECT_REASONS.map((r) => h('option', { value: r }, t(`reject.${r}`))),
        );
      } else if (name === 'proofSha256') {
        const files = detail.evidence.filter((e) => e.kind !== 'clip');
        input = h(
          'select',
          { name, required },
          files.map((e) =>
            h('option', { value: e.sha256 }, `${t(`evidence.${e.kind}`)} ${e.sha256.slice(0, 12)}…`),
          ),
        );
      } else if (name === 'rating') {
        input = h('input', { name, type: 'number', min: 1, max: 5, value: 5, required });
      } else if (name === 'mergedInto') {
        input = h('input', { name, type: 'number', min: 1, required });
      } else if (name === 'department') {
        input = h('input', { name, placeholder: detail.ticket.department, pattern: '[a-z0-9][a-z0-9_-]*' });
      } else {
        input = h('input', { name, required, maxlength: 2000 });
      }
      inputs[name] = input;
      const label = { reason: 'ticket.reason', proofSha256: 'form.proof' }[name] ?? `form.${name}`;
      return h('label', {}, t(label), input);
    });
    const submit = async (event) => {
      event.preventDefault();
      const body = { action };
      for (const [name, input] of Object.entries(inputs)) {
        const value = input.value.trim();
        if (!value) continue;
        if (name === 'rating' || name === 'mergedInto') body[name] = Number(value);
        else body[name] = value;
      }
      try {
        onDone(await transition(detail.ticket.id, body), action);
      } catch (error) {
        onError(error);
      }
    };
    return h(
      'form',
      { class: 'action', dataset: { action }, onsubmit: submit },
      rows,
      h('button', { type: 'submit', class: `act-${action}` }, t(`action.${action}`)),
    );
  });
}
