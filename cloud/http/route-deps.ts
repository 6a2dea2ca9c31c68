import type { CloudCore } from '../services/cloud-core.ts';
import type { TokenAuth } from './token-auth.ts';

/** What each route plugin of the API is registered with: the services, and who may call. */
export interface RouteDeps {
  core: CloudCore;
  auth: TokenAuth;
}
