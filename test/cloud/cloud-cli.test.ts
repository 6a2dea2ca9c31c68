import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../cloud/http/token-auth.ts';
import { runCli } from '../cli/run-cli.ts';

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

describe('npm run cloud', () => {
  it('run: serves the API on the printed URL until SIGINT, then exits 0', async () => {
    const child = spawn(
      process.execPath,
      [tsxCli, 'apps/cloud/main.ts', 'run', '--config', 'fixtures/cloud/cloud.yaml', '--api-port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${stderr}`)), 60_000);
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const match = /API (http:\/\/\S+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
    });
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const places = await fetch(`${url}/api/v1/places/locate?lat=23.1226&lon=113.2456`, {
      headers: { authorization: 'Bearer operator-token' },
    });
    expect(await places.json()).toMatchObject({ streetId: 'renmin', districtId: 'liwan' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('cloud running');
  });

  it('run: a bad config exits 1 naming the field', async () => {
    const result = await runCli('apps/cloud/main.ts', ['run', '--config', 'fixtures/cloud/cameras.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CONFIG_INVALID');
    expect(result.stderr).toContain('cameras.yaml: places: required');
    expect(result.stderr).toContain(
      'cameras.yaml: unknown field "cameras"; allowed: database, mqtt, api, places',
    );
  });

  it('run: an unreachable broker exits 1 naming it', async () => {
    const result = await runCli('apps/cloud/main.ts', [
      'run',
      '--config',
      'fixtures/cloud/cloud.yaml',
      '--mqtt-url',
      'mqtt://127.0.0.1:1',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('BROKER_UNREACHABLE: mqtt://127.0.0.1:1: connect ECONNREFUSED');
  });

  it('token: prints a token and its sha256', async () => {
    const result = await runCli('apps/cloud/main.ts', ['token']);
    const token = /token: +(\S+)/.exec(result.stdout)?.[1] ?? '';
    const sha = /sha256: +(\S+)/.exec(result.stdout)?.[1];
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(sha).toBe(hashToken(token));
  });
});
