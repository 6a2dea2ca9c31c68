import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { describeError, EdgeError } from '../../edge/errors.ts';

describe('config errors in the shared catalogue', () => {
  it('are EdgeErrors that print with their code and the path at fault', () => {
    let caught: unknown;
    try {
      parseEdgeConfig('edgeId: edge-1\ncameras: []\n', 'edge.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EdgeError);
    expect(describeError(caught)).toMatch(/^CONFIG_INVALID: edge\.yaml: cameras/);
  });
});
