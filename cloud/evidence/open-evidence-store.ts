import type { EvidenceConfig } from '../config/cloud-config-schema.ts';
import { CloudError } from '../errors.ts';
import { DiskEvidenceStore } from './evidence-store.ts';
import type { EvidenceStore } from './evidence-store-types.ts';
import { S3EvidenceStore } from './s3-evidence-store.ts';

/** Opens the store the config names (disk unless `store: s3`) and a way to let go of it. */
export async function openEvidenceStore(
  config: EvidenceConfig,
): Promise<{ store: EvidenceStore; kind: 'disk' | 's3'; close(): Promise<void> }> {
  if (config.store !== 's3') {
    return { store: await DiskEvidenceStore.open(config.dir), kind: 'disk', close: async () => {} };
  }
  if (!config.s3) throw new CloudError('EVIDENCE_STORE_CONFIG_INVALID', "store 's3' without an s3 section");
  const store = await S3EvidenceStore.open(config.s3);
  return { store, kind: 's3', close: async () => store.close() };
}
