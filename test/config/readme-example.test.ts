import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { SCENARIO_TYPES } from '../../edge/scenarios/registry.ts';

describe('the README', () => {
  it('shows an edge config that is valid, with one scenario of every type', () => {
    const readme = readFileSync('README.md', 'utf8');
    const example = /```yaml\n(edgeId: hub-17[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const config = parseEdgeConfig(example as string, 'README.md');
    expect(config.cameras[0]?.scenarios.map((s) => s.type).sort()).toEqual([...SCENARIO_TYPES].sort());
  });
});
