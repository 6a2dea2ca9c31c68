import type { FastifyInstance } from 'fastify';
import { createCloudServer } from '../../../cloud/http/create-server.ts';
import { TokenAuth } from '../../../cloud/http/token-auth.ts';
import { openCore } from './core.ts';
import type { Backend } from './databases.ts';
import { token } from './fixtures.ts';

/** The API over the fixture district and a fresh database, for fastify.inject(). */
export async function openServer(backend: Backend, start?: string) {
  const opened = await openCore(backend, start);
  const app: FastifyInstance = await createCloudServer({
    core: opened.core,
    auth: new TokenAuth(opened.core.config.auth),
  });
  await app.ready();
  const as = (user: string) => ({ authorization: `Bearer ${token(user)}` });
  return {
    ...opened,
    app,
    as,
    async dispose() {
      await app.close();
      await opened.dispose();
    },
  };
}
