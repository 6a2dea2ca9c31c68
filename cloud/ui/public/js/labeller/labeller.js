import { ApiError, api, evidenceUrl } from '../api.js';
import { h, replace } from '../dom.js';
import { time } from '../format.js';
import { t } from '../i18n.js';
import { bigEnough, nudged, percentStyle, pointIn, spanned, startBox } from './box-geometry.js';

const VERDICT_KEYS = {
  1: 'right',
  r: 'right',
  2: 'wrong_label',
  w: 'wrong_label',
  3: 'not_object',
  n: 'not_object',
};
/** Roles that may review a ticket may label it (the API says the same). */
const LABELLERS = ['operator', 'supervisor', 'admin'];

/**
 * Training labels on one snapshot of a ticket: the AI's boxes over the clean image, each marked
 * right, wrong label (with the right one) or not an object, and boxes drawn for what the AI
 * missed, with the mouse (drag) or the keyboard (B, arrows, Shift+arrows, Enter). Saved as a new
 * revision; the state survives redraws of the ticket view (the same element is kept).
 */
export function createLabeller(ctx, ticketId, sha256) {
  const root = h('section', { class: 'card wide labeller', dataset: { sha256 } });
  const canEdit = LABELLERS.includes(ctx.user?.role);
  let data;
  let verdicts = new Map();
  let drawn = [];
  let selected;
  let draft;
  let dirty = false;
  let lastLabel = 'person';

  const url = `/tickets/${ticketId}/snapshots/${sha256}/labels`;
  const datalistId = `labels-${sha256.slice(0, 12)}`;
  const aiLabel = (i) => data.aiObjects[i].label;

  function take(loaded) {
    data = loaded;
    verdicts = new Map((loaded.labels?.objects ?? []).map((o) => [o.index, o]));
    drawn = (loaded.labels?.drawn ?? []).map((d) => ({ ...d }));
    dirty = false;
    draw();
  }

  function change(fn) {
    if (!canEdit) return;
    fn();
    dirty = true;
    draw();
  }

  function mark(index, verdict) {
    change(() => {
      if (verdict === 'wrong_label') {
        const label = verdicts.get(index)?.label ?? data.labelChoices.find((l) => l !== aiLabel(index)) ?? '';
        verdicts.set(index, { index, verdict, label });
      } else verdicts.set(index, { index, verdict });
      selected = { kind: 'ai', index };
    });
    if (verdict === 'wrong_label') root.querySelector('.labeller-editor input')?.focus();
  }

  function keepDrawn(box) {
    change(() => {
      drawn.push({ box, label: lastLabel });
      selected = { kind: 'drawn', index: drawn.length - 1 };
      draft = undefined;
    });
    root.querySelector('.labeller-editor input')?.focus();
  }

  function verdictText(index) {
    const v = verdicts.get(index);
    if (!v) return t('labels.unjudged');
    return v.verdict === 'wrong_label' ? `${t('labels.wrong_label')} → ${v.label}` : t(`labels.${v.verdict}`);
  }

  function boxButton(kind, index, box, name, verdict) {
    const isSelected = selected?.kind === kind && selected.index === index;
    return h(
      'button',
      {
        type: 'button',
        class: `lbox ${kind} v-${verdict}${isSelected ? ' selected' : ''}`,
        style: percentStyle(box),
        'aria-label': name,
        'aria-pressed': isSelected ? 'true' : 'false',
        title: name,
        dataset: { kind, index: String(index) },
        onclick: () => select(kind, index),
      },
      h(
        'span',
        { class: 'lbox-tag', 'aria-hidden': 'true' },
        kind === 'ai' ? String(index + 1) : `+${index + 1}`,
      ),
    );
  }

  function select(kind, index, focus = true) {
    selected = { kind, index };
    draw();
    if (focus) root.querySelector(`.lbox[data-kind="${kind}"][data-index="${index}"]`)?.focus();
  }

  function boxes() {
    const all = [];
    for (const o of data.aiObjects) {
      const v = verdicts.get(o.index)?.verdict ?? 'none';
      const name = t('labels.box', {
        n: o.index + 1,
        label: o.label,
        score: o.score.toFixed(2),
        verdict: verdictText(o.index),
      });
      all.push(boxButton('ai', o.index, o.box, name, v));
    }
    for (const [i, d] of drawn.entries())
      all.push(boxButton('drawn', i, d.box, t('labels.drawnBox', { n: i + 1, label: d.label }), 'drawn'));
    if (draft) all.push(h('div', { class: 'lbox draft', style: percentStyle(draft), 'aria-hidden': 'true' }));
    return all;
  }

  function labelInput(value, onchange, labelKey) {
    return h(
      'label',
      {},
      t(labelKey),
      h('input', {
        class: 'label-input',
        list: datalistId,
        value,
        required: true,
        maxlength: 64,
        disabled: !canEdit,
        oninput: (e) => onchange(e.target.value.trim().toLowerCase()),
        onkeydown: (e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            select(selected.kind, selected.index);
          }
        },
      }),
    );
  }

  function editor() {
    if (draft) return h('p', { class: 'labeller-editor', role: 'status' }, t('labels.draft'));
    if (!selected) return canEdit ? h('p', { class: 'labeller-editor muted' }, t('labels.pick')) : null;
    if (selected.kind === 'drawn') {
      const d = drawn[selected.index];
      if (!d) return null;
      return h(
        'div',
        { class: 'labeller-editor' },
        h('strong', {}, t('labels.drawnBox', { n: selected.index + 1, label: d.label })),
        labelInput(
          d.label,
          (v) => {
            d.label = v;
            lastLabel = v;
            dirty = true;
          },
          'labels.label',
        ),
        canEdit
          ? h(
              'button',
              { type: 'button', class: 'remove', onclick: () => removeDrawn(selected.index) },
              t('labels.remove'),
            )
          : null,
      );
    }
    const o = data.aiObjects[selected.index];
    const v = verdicts.get(o.index);
    return h(
      'div',
      { class: 'labeller-editor' },
      h('strong', {}, `${o.index + 1}. ${o.label} ${o.score.toFixed(2)}`),
      h(
        'div',
        { class: 'verdicts', role: 'group', 'aria-label': t('labels.verdict') },
        ['right', 'wrong_label', 'not_object'].map((verdict, i) =>
          h(
            'button',
            {
              type: 'button',
              class: `verdict-${verdict}`,
              disabled: !canEdit,
              'aria-pressed': v?.verdict === verdict ? 'true' : 'false',
              onclick: () => mark(o.index, verdict),
            },
            `${i + 1} ${t(`labels.${verdict}`)}`,
          ),
        ),
      ),
      v?.verdict === 'wrong_label'
        ? labelInput(
            v.label,
            (value) => {
              v.label = value;
              dirty = true;
            },
            'labels.rightLabel',
          )
        : null,
    );
  }

  function removeDrawn(index) {
    change(() => {
      drawn.splice(index, 1);
      selected = undefined;
    });
    stage.focus();
  }

  function restRight() {
    change(() => {
      for (const o of data.aiObjects)
        if (!verdicts.has(o.index)) verdicts.set(o.index, { index: o.index, verdict: 'right' });
    });
  }

  async function save() {
    const objects = [...verdicts.values()].sort((a, b) => a.index - b.index);
    try {
      take(
        await api(url, { method: 'PUT', body: { baseRevision: data.labels?.revision ?? 0, objects, drawn } }),
      );
      ctx.toast(t('labels.saved', { revision: data.labels.revision }));
    } catch (error) {
      ctx.fail(
        error instanceof ApiError && error.code === 'LABELS_CHANGED' ? new Error(t('labels.stale')) : error,
      );
    }
  }

  function onKey(event) {
    if (!canEdit || event.target.closest('input, select, textarea') || event.ctrlKey || event.metaKey) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (draft) {
      const moved = nudged(draft, event.key, event.shiftKey, event.shiftKey ? 0.01 : 0.02);
      if (moved) draft = moved;
      else if (key === 'Enter') return keepDrawn(draft);
      else if (key === 'Escape') draft = undefined;
      else return;
      event.preventDefault();
      draw();
      stage.focus();
      return;
    }
    if (key === 'b') {
      event.preventDefault();
      draft = startBox();
      draw();
      stage.focus();
      return;
    }
    if (key === 'a') return restRight();
    if (selected?.kind === 'ai' && VERDICT_KEYS[key]) {
      event.preventDefault();
      return mark(selected.index, VERDICT_KEYS[key]);
    }
    if (selected?.kind === 'drawn' && (key === 'Delete' || key === 'Backspace')) {
      event.preventDefault();
      return removeDrawn(selected.index);
    }
    const order = [...data.aiObjects.map((o) => ['ai', o.index]), ...drawn.map((_, i) => ['drawn', i])];
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[key];
    if (step && order.length) {
      event.preventDefault();
      const at = order.findIndex(([k, i]) => k === selected?.kind && i === selected?.index);
      const [kind, index] = order[(at + step + order.length) % order.length];
      select(kind, index);
    }
  }

  // Drawing with the mouse: a drag over the image (a click on a box selects it instead).
  let dragFrom;
  function onPointerDown(event) {
    if (!canEdit || event.button !== 0) return;
    dragFrom = pointIn(event.currentTarget, event);
  }
  function onPointerMove(event) {
    if (!dragFrom) return;
    const box = spanned(dragFrom, pointIn(event.currentTarget, event));
    if (!draft && !bigEnough(box)) return;
    if (!draft) event.currentTarget.setPointerCapture(event.pointerId);
    draft = box;
    const element = root.querySelector('.lbox.draft');
    if (element) element.setAttribute('style', percentStyle(box));
    else draw();
  }
  function onPointerUp() {
    const box = draft;
    dragFrom = undefined;
    if (box && bigEnough(box)) keepDrawn(box);
  }

  // Built once and updated in place: replacing the stage while the page is scrolled would make
  // it jump under the pointer in the middle of a drag.
  const status = h('p', { class: 'muted labeller-status' });
  const stage = h('div', {
    class: 'labeller-stage',
    tabindex: 0,
    role: 'group',
    'aria-label': t('labels.image'),
    onkeydown: onKey,
    onpointerdown: onPointerDown,
    onpointermove: onPointerMove,
    onpointerup: onPointerUp,
  });
  const image = h('img', {
    class: 'labeller-image',
    src: evidenceUrl(sha256),
    alt: t('labels.image'),
    draggable: 'false',
  });
  const editorSlot = h('div');
  const list = h('ol', { class: 'labeller-list' });
  const choices = h('datalist', { id: datalistId });
  const state = h('span', { class: 'labeller-state', role: 'status' });
  replace(
    root,
    h('h2', {}, t('labels.title')),
    status,
    h(
      'div',
      { class: 'labeller-body' },
      stage,
      h(
        'div',
        { class: 'labeller-panel' },
        h('p', { class: 'muted keys' }, canEdit ? t('labels.help') : t('labels.readOnly')),
        editorSlot,
        list,
        choices,
        canEdit
          ? h(
              'div',
              { class: 'labeller-actions' },
              h(
                'button',
                { type: 'button', class: 'rest-right', onclick: restRight },
                `A ${t('labels.restRight')}`,
              ),
              h('button', { type: 'button', class: 'save-labels', onclick: save }, t('labels.save')),
              state,
            )
          : null,
      ),
    ),
  );

  function draw() {
    if (!data) return;
    // The focused box is rebuilt: the focus is put back on its successor.
    const focused = document.activeElement;
    const focusedBox = focused?.classList?.contains('lbox') ? { ...focused.dataset } : undefined;
    replace(stage, image, boxes());
    const current = data.labels;
    status.textContent = current
      ? t('labels.revision', {
          revision: current.revision,
          by: current.labelledBy,
          source: t(`labels.source.${current.source}`),
          at: time(current.labelledAt),
        })
      : t('labels.none');
    replace(editorSlot, editor());
    replace(
      list,
      data.aiObjects.map((o) =>
        h(
          'li',
          { dataset: { index: String(o.index) } },
          `${o.index + 1}. ${o.label} ${o.score.toFixed(2)}: ${verdictText(o.index)}`,
        ),
      ),
      drawn.map((d, i) => h('li', { class: 'drawn' }, `+${i + 1}. ${d.label}: ${t('labels.drawn')}`)),
    );
    replace(
      choices,
      data.labelChoices.map((l) => h('option', { value: l })),
    );
    state.textContent = dirty ? t('labels.unsaved') : '';
    if (focusedBox)
      stage.querySelector(`.lbox[data-kind="${focusedBox.kind}"][data-index="${focusedBox.index}"]`)?.focus();
  }

  api(url).then(take, ctx.fail);
  return root;
}
