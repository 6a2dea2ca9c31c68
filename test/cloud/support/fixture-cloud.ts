import { type RunningCloud, type StartCloudOptions, startCloud } from '../../../cloud/app/start-cloud.ts';
import { backendNamed } from './databases.ts';
import { fixtureConfig } from './fixtures.ts';

/**
 * The fixture cloud (fixtures/cloud/cloud.yaml) on a throwaway database of the PostgreSQL server,
 * its API and embedded broker on free ports, evidence in `evidenceDir`; `stop` also drops the database.
 */
export async function startFixtureCloudOnPostgres(
  evidenceDir: string,
  options: StartCloudOptions = {},
): Promise<{ cloud: RunningCloud; stop: () => Promise<void> }> {
  const database = await backendNamed('postgres').create();
  try {
    const base = await fixtureConfig();
    const cloud = await startCloud(
      {
        ...base,
        database: { url: database.url as string },
        api: { host: '127.0.0.1', port: 0 },
        mqtt: { ...base.mqtt, embeddedPort: 0 },
        evidence: { dir: evidenceDir },
      },
      { logger: false, ...options },
    );
    return {
      cloud,
      stop: async () => {
        await cloud.stop();
        await database.dispose();
      },
    };
  } catch (error) {
    await database.dispose();
    throw error;
  }
}
