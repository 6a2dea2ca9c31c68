import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { createForms } from './zone-forms.js';
import { nudgedPoint, pointIn, polygonProblem, shifted } from './zone-geometry.js';
import { overlay } from './zone-overlay.js';
import { saveAndFollow, showProblems } from './zone-save.js';

const MANAGERS = ['supervisor', 'admin'];
const STEP = 0.005;
const BIG_STEP = 0.05;
const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/**
 * The zone editor of one camera (`#/cameras/{edgeId}/{cameraId}/zones`): its zones and counting
 * lines from the edge's desired configuration drawn over the camera's latest snapshot, with the
 * suppression regions and the detections of that snapshot; drawn, moved and deleted with the mouse
 * or the keyboard, their fields set in validated forms, and saved as a new version of the edge's
 * configuration, followed until the edge applied or refused it.
 */
export async function renderZoneEditor(root, ctx, rawEdgeId, rawCameraId) {
  const edgeId = decodeURIComponent(rawEdgeId);
  const cameraId = decodeURIComponent(rawCameraId);
  const title = h('h2', {}, t('zones.title', { camera: cameraId, edge: edgeId }));
  if (!MANAGERS.includes(ctx.user?.role)) return void replace(root, title, h('p', {}, t('zones.forbidden')));
  const cameraPath = `/cameras/${encodeURIComponent(edgeId)}/${encodeURIComponent(cameraId)}`;
  const [desired, suppression, events] = await Promise.all([
    api(`/edges/${encodeURIComponent(edgeId)}/config`),
    api(`${cameraPath}/suppression-regions`),
    api(`/events?edgeId=${encodeURIComponent(edgeId)}&limit=500`),
  ]);
  const config = structuredClone(desired.desired?.config);
  const camera = config?.cameras?.find((c) => c.id === cameraId);
  if (!camera)
    return void replace(
      root,
      title,
      h('p', { class: 'no-config' }, t(config ? 'zones.noCamera' : 'zones.noConfig')),
    );
  camera.zones ??= [];
  camera.scenarios ??= [];
  const snapshot = suppression.snapshot;
  const event = events.find(
    (e) => e.cameraId === cameraId && e.evidence?.snapshot?.sha256 === snapshot?.sha256,
  );
  const state = {
    camera,
    mode: 'idle',
    draft: [],
    cursor: [0.5, 0.5],
    keyboardCursor: false,
    selected: undefined,
    regions: suppression.regions,
    objects: snapshot ? (event?.objects ?? []) : [],
  };
  let alive = true;
  const forms = createForms(state, (opts) => draw(opts));
  const layer = h('div', { class: 'zone-overlay' });
  const picture = snapshot
    ? h('img', {
        class: 'zone-snapshot',
        src: snapshot.url,
        alt: t('suppression.snapshot'),
        draggable: 'false',
      })
    : h('div', {
        class: 'zone-snapshot blank',
        style: `aspect-ratio:${event?.frame ? event.frame.width / event.frame.height : 16 / 9}`,
      });
  const stage = h(
    'div',
    {
      class: 'zone-stage',
      dataset: snapshot ? { snapshot: snapshot.sha256 } : undefined,
      tabindex: 0,
      role: 'application',
      'aria-label': t('zones.stageLabel'),
      onclick: (e) => stageClick(e),
      ondblclick: (e) => {
        if (state.mode === 'zone') {
          e.preventDefault();
          finishZone();
        }
      },
      onkeydown: (e) => stageKey(e),
    },
    picture,
    layer,
  );
  const side = h('aside', { class: 'zone-side' });
  const modeText = h('p', { class: 'zone-mode', 'aria-live': 'polite' });
  const status = h('div', { class: 'save-status', 'aria-live': 'polite' });
  const note = h('input', { class: 'save-note', maxlength: 500, placeholder: t('zones.notePlaceholder') });
  const toolbar = h(
    'div',
    { class: 'zone-toolbar' },
    button('draw-zone', 'zones.drawZone', () => startDrawing('zone')),
    button('draw-line', 'zones.drawLine', () => startDrawing('line')),
    button('finish-shape', 'zones.finish', () => finishZone()),
    button('cancel-shape', 'zones.cancel', () => cancelDrawing()),
    button('delete-selected', 'zones.deleteSelected', () => deleteSelected()),
  );

  function button(cls, key, onclick) {
    return h('button', { type: 'button', class: cls, onclick }, t(key));
  }

  function draw({ focus } = {}) {
    replace(layer, overlay(state, { select, grab, key: shapeKey }));
    replace(side, forms.panel());
    const drawing = state.mode !== 'idle';
    stage.classList.toggle('drawing', drawing);
    toolbar.querySelector('.finish-shape').hidden = state.mode !== 'zone';
    toolbar.querySelector('.cancel-shape').hidden = !drawing;
    toolbar.querySelector('.delete-selected').disabled = !state.selected;
    modeText.textContent = drawing
      ? t(state.mode === 'zone' ? 'zones.modeZone' : 'zones.modeLine', { n: state.draft.length })
      : '';
    if (focus) root.querySelector(focus)?.focus();
  }

  function select(kind, index, point, event) {
    if (state.mode !== 'idle') return;
    event?.stopPropagation();
    state.selected = { kind, index, point };
    draw({ focus: point === undefined ? undefined : `.handle[data-point="${point}"]` });
  }

  function points(kind, index) {
    return kind === 'zone' ? state.camera.zones[index].points : state.camera.scenarios[index].line;
  }

  function setPoint(kind, index, point, p) {
    points(kind, index)[point] = p;
  }

  function grab(kind, index, point, event) {
    if (event.button !== 0) return;
    event.preventDefault();
    event.stopPropagation();
    state.selected = { kind, index, point };
    const move = (e) => {
      setPoint(kind, index, point, pointIn(layer, e));
      draw();
    };
    const drop = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', drop);
      draw({ focus: `.handle[data-point="${point}"]` });
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', drop);
    draw();
  }

  function shapeKey(kind, index, point, event) {
    const arrow = ARROWS[event.key];
    const step = event.shiftKey ? BIG_STEP : STEP;
    if (arrow) {
      event.preventDefault();
      event.stopPropagation();
      if (point === undefined) {
        const moved = shifted(points(kind, index), arrow[0] * step, arrow[1] * step);
        if (kind === 'zone') state.camera.zones[index].points = moved;
        else state.camera.scenarios[index].line = moved;
        state.selected = { kind, index };
        draw({
          focus: kind === 'zone' ? `[data-zone="${state.camera.zones[index].name}"]` : `.line-shape.selected`,
        });
      } else {
        setPoint(kind, index, point, nudgedPoint(points(kind, index)[point], event.key, step));
        draw({ focus: `.handle[data-point="${point}"]` });
      }
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      event.stopPropagation();
      select(kind, index, point === undefined ? 0 : point);
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      event.stopPropagation();
      if (point !== undefined && kind === 'zone') return deletePoint(index, point);
      // The shape with the focus, which need not be the one selected.
      state.selected = { kind, index };
      deleteSelected();
    } else if (event.key === 'Escape' && point !== undefined) {
      event.stopPropagation();
      state.selected = { kind, index };
      draw({ focus: '.zone-stage' });
    }
  }

  function deletePoint(index, point) {
    const zone = state.camera.zones[index];
    if (zone.points.length <= 3) return ctx.toast(t('zones.minPoints'), 'error');
    zone.points.splice(point, 1);
    const next = Math.min(point, zone.points.length - 1);
    state.selected = { kind: 'zone', index, point: next };
    draw({ focus: `.handle[data-point="${next}"]` });
  }

  function deleteSelected() {
    const { selected, camera } = state;
    if (!selected) return;
    if (selected.kind === 'zone') {
      const [zone] = camera.zones.splice(selected.index, 1);
      camera.scenarios = camera.scenarios.filter((s) => s.zone !== zone.name);
    } else camera.scenarios.splice(selected.index, 1);
    state.selected = undefined;
    draw({ focus: '.zone-stage' });
  }

  function startDrawing(mode) {
    state.mode = mode;
    state.draft = [];
    state.selected = undefined;
    draw({ focus: '.zone-stage' });
  }

  function cancelDrawing() {
    state.mode = 'idle';
    state.draft = [];
    state.keyboardCursor = false;
    draw({ focus: '.zone-stage' });
  }

  function addPoint(p) {
    const last = state.draft.at(-1);
    // The two clicks of a double-click (which closes the zone) land on one point: keep it once.
    if (last && Math.hypot(last[0] - p[0], last[1] - p[1]) < 0.004) return;
    state.draft.push(p);
    if (state.mode === 'line' && state.draft.length === 2) return finishLine();
    draw();
  }

  function dropLastPoint() {
    state.draft.pop();
    draw();
  }

  function uniqueName(base, taken) {
    for (let n = 1; ; n++) if (!taken.includes(`${base}_${n}`)) return `${base}_${n}`;
  }

  function finishZone() {
    if (state.mode !== 'zone') return;
    const problem = polygonProblem(state.draft);
    if (problem) return ctx.toast(t(problem.key, problem.vars), 'error');
    const name = uniqueName(
      'zone',
      state.camera.zones.map((z) => z.name),
    );
    state.camera.zones.push({ name, points: state.draft, filters: {} });
    state.mode = 'idle';
    state.draft = [];
    state.keyboardCursor = false;
    state.selected = { kind: 'zone', index: state.camera.zones.length - 1 };
    draw({ focus: '#zone-name' });
  }

  function finishLine() {
    const name = uniqueName(
      'line',
      state.camera.scenarios.map((s) => s.name ?? ''),
    );
    state.camera.scenarios.push({ type: 'line_crossing', name, line: state.draft, labels: ['person'] });
    state.mode = 'idle';
    state.draft = [];
    state.keyboardCursor = false;
    state.selected = { kind: 'line', index: state.camera.scenarios.length - 1 };
    draw({ focus: `#scn-${state.camera.scenarios.length - 1}-name` });
  }

  function stageClick(event) {
    if (state.mode === 'idle') {
      if (!event.target.closest('.zone-shape, .line-shape, .handle')) {
        state.selected = undefined;
        draw();
      }
      return;
    }
    state.keyboardCursor = false;
    addPoint(pointIn(layer, event));
  }

  function stageKey(event) {
    if (event.target !== stage || event.ctrlKey || event.metaKey || event.altKey) return;
    const arrow = ARROWS[event.key];
    if (state.mode !== 'idle' && arrow) {
      event.preventDefault();
      state.keyboardCursor = true;
      state.cursor = nudgedPoint(state.cursor, event.key, event.shiftKey ? BIG_STEP : STEP * 4);
      return draw();
    }
    const actions = {
      z: () => startDrawing('zone'),
      l: () => startDrawing('line'),
      ' ': () => state.mode !== 'idle' && addPoint(state.cursor),
      Enter: () => finishZone(),
      Escape: () => cancelDrawing(),
      Backspace: () => (state.mode === 'idle' ? deleteSelected() : dropLastPoint()),
      Delete: () => deleteSelected(),
    };
    const action = actions[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    event.preventDefault();
    if (event.key === ' ' && state.mode !== 'idle') state.keyboardCursor = true;
    action();
  }

  const explain = h('p', { class: 'muted' });
  const describe = (version) => {
    explain.textContent = t('zones.explain', {
      version,
      n: state.objects.length,
      regions: state.regions.length,
    });
  };
  describe(desired.desired.version);

  async function save() {
    const problems = forms.problems();
    if (problems.length > 0) return showProblems(status, problems);
    forms.forget();
    delete status.dataset.outcome;
    const version = await saveAndFollow(
      edgeId,
      config,
      note.value.trim(),
      status,
      () => alive && root.isConnected,
    );
    if (version !== undefined) describe(version);
    draw();
  }

  replace(
    root,
    h('p', {}, h('a', { href: '#/cameras' }, t('zones.back'))),
    title,
    explain,
    h(
      'div',
      { class: 'zone-save' },
      note,
      h(
        'button',
        { type: 'button', class: 'save-zones primary', onclick: () => save().catch(ctx.fail) },
        t('zones.save'),
      ),
    ),
    status,
    toolbar,
    modeText,
    h(
      'div',
      { class: 'zone-editor' },
      h('div', { class: 'zone-main' }, stage, h('p', { class: 'help' }, t('zones.keys'))),
      side,
    ),
  );
  draw();
  return () => {
    alive = false;
  };
}
