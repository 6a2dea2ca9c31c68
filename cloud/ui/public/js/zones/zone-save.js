import { ApiError, api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';

/**
 * How long the editor waits for the edge to report the saved version, and how often it asks:
 * often at first (a connected edge applies within a second), then gently.
 */
const WAIT_MS = 90_000;
const pollDelay = (elapsedMs) => (elapsedMs < 5_000 ? 100 : 1_000);

/**
 * Saves the edited configuration as a new version of the edge's desired configuration, then
 * follows the edge's status until it applied or refused that version, showing each step in
 * `out` (an aria-live region). Returns the saved version, or undefined when the cloud refused it.
 */
export async function saveAndFollow(edgeId, config, note, out, isCurrent) {
  const path = `/edges/${encodeURIComponent(edgeId)}/config`;
  replace(out, h('p', { class: 'saving' }, t('zones.saving')));
  let saved;
  try {
    saved = await api(path, { method: 'PUT', body: { config, ...(note ? { note } : {}) } });
  } catch (error) {
    const text = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
    replace(out, h('p', { class: 'error save-refused' }, t('zones.cloudRefused', { error: text })));
    return undefined;
  }
  const started = performance.now();
  out.dataset.version = String(saved.version);
  replace(out, h('p', { class: 'saved' }, t('zones.savedWaiting', { version: saved.version })));
  while (isCurrent() && performance.now() - started < WAIT_MS) {
    const state = await api(path).catch(() => undefined);
    const applied = state?.applied;
    if (applied?.refused?.version === saved.version) {
      replace(
        out,
        h(
          'div',
          { class: 'error edge-refused', role: 'alert' },
          h('p', {}, t('zones.edgeRefused', { version: saved.version })),
          h('pre', { class: 'refusal' }, applied.refused.error),
          h('p', { class: 'muted' }, t('zones.stillRuns', { version: applied.version ?? '—' })),
        ),
      );
      out.dataset.outcome = 'refused';
      return saved.version;
    }
    if (applied?.version !== undefined && applied.version >= saved.version && applied.source === 'cloud') {
      const ms = Math.round(performance.now() - started);
      out.dataset.outcome = 'applied';
      out.dataset.applyMs = String(ms);
      replace(out, h('p', { class: 'applied' }, t('zones.applied', { version: applied.version, ms })));
      return saved.version;
    }
    await new Promise((resolve) => setTimeout(resolve, pollDelay(performance.now() - started)));
  }
  if (isCurrent()) {
    out.dataset.outcome = 'waiting';
    replace(out, h('p', { class: 'muted' }, t('zones.notYet', { version: saved.version })));
  }
  return saved.version;
}

/** The list of what keeps the config from being saved, each problem naming its place and field. */
export function showProblems(out, problems) {
  out.dataset.outcome = 'invalid';
  replace(
    out,
    h(
      'div',
      { class: 'error zone-problems', role: 'alert' },
      h('p', {}, t('zones.fixFirst', { n: problems.length })),
      h(
        'ul',
        {},
        problems.map((p) => h('li', {}, p)),
      ),
    ),
  );
}
