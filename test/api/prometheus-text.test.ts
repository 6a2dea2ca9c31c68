import { describe, expect, it } from 'vitest';
import {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  renderExposition,
} from '../../edge/api/prometheus-text.ts';

describe('Prometheus text exposition', () => {
  it('escapes backslash, quote and line feed in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it('escapes backslash and line feed, not quotes, in HELP', () => {
    expect(escapeHelp('say "hi"\\\nbye')).toBe('say "hi"\\\\\\nbye');
  });

  it('writes special values as Prometheus reads them', () => {
    expect([NaN, Infinity, -Infinity, 0.25, 3].map(formatValue)).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '0.25',
      '3',
    ]);
  });

  it('writes HELP and TYPE before each family, even one with no samples', () => {
    const text = renderExposition([
      {
        name: 'edge_things_total',
        type: 'counter',
        help: 'Things.',
        samples: [
          { labels: { camera: 'a' }, value: 1 },
          { labels: { camera: 'b', zone: 'x"y' }, value: 2 },
        ],
      },
      { name: 'edge_empty', type: 'gauge', help: 'Nothing yet.', samples: [] },
      { name: 'edge_plain', type: 'gauge', help: 'No labels.', samples: [{ value: 0.5 }] },
    ]);
    expect(text).toBe(
      [
        '# HELP edge_things_total Things.',
        '# TYPE edge_things_total counter',
        'edge_things_total{camera="a"} 1',
        'edge_things_total{camera="b",zone="x\\"y"} 2',
        '# HELP edge_empty Nothing yet.',
        '# TYPE edge_empty gauge',
        '# HELP edge_plain No labels.',
        '# TYPE edge_plain gauge',
        'edge_plain 0.5',
        '',
      ].join('\n'),
    );
  });

  it('refuses bad metric and label names and a family listed twice', () => {
    const family = { name: 'edge_x', type: 'gauge' as const, help: 'x', samples: [] };
    expect(() => renderExposition([{ ...family, name: 'edge-x' }])).toThrow(/invalid metric name "edge-x"/);
    expect(() =>
      renderExposition([{ ...family, samples: [{ labels: { 'bad-name': 'v' }, value: 1 }] }]),
    ).toThrow(/invalid label name "bad-name"/);
    expect(() => renderExposition([family, family])).toThrow(/listed twice/);
  });
});
