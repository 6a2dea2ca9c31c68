import { describe, expect, it } from 'vitest';
import { edgeApiUrl, modelsToFetch } from '../../edge/models-sync/plan-fetch.ts';
import { parseCloudModelRef } from '../../foundation/models/model-distribution.ts';

const model = (version: string, manifestSha256: string) => ({
  name: 'muck-cover-cls',
  version,
  manifestSha256,
  fileSha256: 'f'.repeat(64),
});

describe('cloud model references and fetch plans', () => {
  it('reads cloud:NAME@VERSION, leaves folder names and paths alone, and says what is wrong with a bad one', () => {
    expect(parseCloudModelRef('cloud:muck-cover-cls@2.1')).toEqual({
      name: 'muck-cover-cls',
      version: '2.1',
    });
    expect(parseCloudModelRef('nanodet-g-416')).toBeUndefined();
    expect(parseCloudModelRef('models/x/manifest.json')).toBeUndefined();
    expect(parseCloudModelRef('cloud:muck-cover-cls')).toMatchObject({
      problem: expect.stringContaining('version ""'),
    });
    expect(parseCloudModelRef('cloud:Muck@1')).toMatchObject({
      problem: expect.stringContaining('model name "Muck"'),
    });
    expect(parseCloudModelRef('cloud:a@1@2')).toMatchObject({
      problem: expect.stringContaining('more than one "@"'),
    });
  });

  it('fetches each missing manifest once and nothing already cached', () => {
    const a = model('1', 'a'.repeat(64));
    const b = model('2', 'b'.repeat(64));
    expect(modelsToFetch([a, b, a], new Set())).toEqual([a, b]);
    expect(modelsToFetch([a, b], new Set(['a'.repeat(64)]))).toEqual([b]);
  });

  it("finds the edge's API beside its evidence endpoint, behind a path prefix or not", () => {
    expect(edgeApiUrl('http://cloud:8080/api/v1/evidence', 'ln-hub', 'models')).toBe(
      'http://cloud:8080/api/v1/edges/ln-hub/models',
    );
    expect(edgeApiUrl('https://c.example/city/api/v1/evidence', 'ln-hub', 'model-files/ab')).toBe(
      'https://c.example/city/api/v1/edges/ln-hub/model-files/ab',
    );
  });
});
