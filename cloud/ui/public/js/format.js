import { api } from './api.js';
import { currentLang, t } from './i18n.js';

let placesPromise;
let vocabularyPromise;

/** The grid hierarchy (GeoJSON), fetched once per page load. */
export function loadPlaces() {
  placesPromise ??= api('/places').catch((error) => {
    placesPromise = undefined;
    throw error;
  });
  return placesPromise;
}

/** Ticket states, each role's actions from each, what each action asks for, event types: fetched once. */
export function loadVocabulary() {
  vocabularyPromise ??= api('/vocabulary').catch((error) => {
    vocabularyPromise = undefined;
    throw error;
  });
  return vocabularyPromise;
}

export async function placeNames() {
  const places = await loadPlaces();
  return new Map(places.features.map((f) => [f.properties.id, f.properties.name]));
}

/** "Street / community / grid" of a ticket, by name where known. */
export function placeOf(ticket, names) {
  const parts = [ticket.streetId, ticket.communityId, ticket.gridId].filter(Boolean);
  return parts.length ? parts.map((id) => names.get(id) ?? id).join(' / ') : (ticket.address ?? '—');
}

export const typeName = (type) => t(`type.${type}`);
export const stateName = (state) => t(`state.${state}`);

export function time(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(currentLang() === 'zh' ? 'zh-CN' : 'en-GB', {
    hour12: false,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function duration(ms) {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 60) return currentLang() === 'zh' ? `${minutes} 分钟` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return currentLang() === 'zh' ? `${hours} 小时 ${rest} 分` : `${hours} h ${rest} min`;
}

/** "12 min left" or "3 min overdue" for a ticket's running step. */
export function deadline(ticket, now = Date.now()) {
  if (!ticket.stepDueAt) return t('ticket.noDeadline');
  const left = Date.parse(ticket.stepDueAt) - now;
  return left >= 0 ? t('ticket.left', { time: duration(left) }) : t('ticket.late', { time: duration(left) });
}

export const percent = (ratio) =>
  ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)} %`;
