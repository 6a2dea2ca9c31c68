import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CloudError } from '../errors.ts';
import { parsePermitRegistry } from '../permits/parse-permit-registry.ts';
import type { Permit, PermitBody, PermitView } from '../permits/permit-schema.ts';
import type { CloudStore } from '../repositories/cloud-store.ts';
import type { PermitEdit, PermitLoad } from '../repositories/permit-repository.ts';
import type { Logger } from './logger.ts';

/** What taking in a whole registry changed. */
export interface RegistryChange {
  permits: number;
  added: number;
  changed: number;
  removed: number;
}

const same = (a: Permit, b: Permit) => JSON.stringify(a) === JSON.stringify(b);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The muck-truck permit registry, kept in the database: edited one permit at a time or replaced
 * whole (an upload, or the configured file when its content changed). Every change leaves an
 * audit row per plate naming who made it. A registry with an invalid row is refused whole
 * (PERMITS_INVALID naming each row and field) and the one in force stays.
 */
export class PermitService {
  constructor(private readonly store: CloudStore) {}

  list(filter: { company?: string | undefined; limit: number; offset: number }) {
    return this.store.permits.list(filter);
  }

  get(plate: string): Promise<PermitView | undefined> {
    return this.store.permits.get(plate);
  }

  history(plate: string): Promise<PermitEdit[]> {
    return this.store.permits.history(plate);
  }

  lastLoad(): Promise<PermitLoad | undefined> {
    return this.store.permits.lastLoad();
  }

  /** Adds or replaces one plate's permit. */
  async put(
    plate: string,
    body: PermitBody,
    by: string,
    at: Date,
  ): Promise<{ permit: PermitView; created: boolean }> {
    const permit: Permit = { plate, ...body };
    const created = await this.store.transaction(async (repos) => {
      await repos.permits.lockEdits();
      const before = (await repos.permits.byPlates([plate])).get(plate);
      await repos.permits.put(permit, before, 'put', by, at);
      return before === undefined;
    });
    return { permit: { ...permit, updatedAt: at.toISOString(), updatedBy: by }, created };
  }

  /** Removes one plate's permit; false when it has none. */
  async remove(plate: string, by: string, at: Date): Promise<boolean> {
    return this.store.transaction(async (repos) => {
      await repos.permits.lockEdits();
      const before = (await repos.permits.byPlates([plate])).get(plate);
      if (!before) return false;
      await repos.permits.remove(before, 'delete', by, at);
      return true;
    });
  }

  /**
   * Replaces the whole registry with an uploaded one (YAML or JSON text, or a parsed JSON body).
   * Throws PERMITS_INVALID, changing nothing, when any row is invalid.
   */
  upload(body: unknown, by: string, at: Date): Promise<RegistryChange> {
    const permits = parsePermitRegistry(body, 'upload');
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return this.replace(permits, { source: 'upload', name: by, sha256: sha256(text) }, by, at);
  }

  /**
   * Takes in the registry file when its content changed since it was last taken in (so a restart
   * keeps the edits made since over the API). Undefined when unchanged. Throws CONFIG_NOT_FOUND or
   * PERMITS_INVALID, changing nothing.
   */
  async loadFile(file: string, at: Date): Promise<RegistryChange | undefined> {
    const text = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new CloudError(
        'CONFIG_NOT_FOUND',
        `${file}: ${(error as Error).message}`,
        { file },
        { cause: error },
      );
    });
    const digest = sha256(text);
    if ((await this.store.permits.lastLoad('file'))?.sha256 === digest) return undefined;
    const permits = parsePermitRegistry(text, file);
    return this.replace(permits, { source: 'file', name: file, sha256: digest }, 'registry file', at);
  }

  /**
   * At start: the configured file taken in when changed. A refused file is logged and the registry
   * in force stays, unless there is none yet (first start): then the start fails.
   */
  async loadConfiguredFile(file: string | undefined, at: Date, log?: Logger): Promise<void> {
    if (file === undefined) return;
    try {
      const change = await this.loadFile(file, at);
      if (change) log?.info({ file, ...change }, 'permit registry file taken in');
    } catch (error) {
      const inForce =
        (await this.store.permits.lastLoad()) !== undefined || (await this.store.permits.count()) > 0;
      if (!(error instanceof CloudError) || !inForce) throw error;
      log?.error(
        { file, code: error.code, err: error.message },
        'permit registry file refused; the registry in force stays',
      );
    }
  }

  private replace(
    permits: readonly Permit[],
    load: Pick<PermitLoad, 'source' | 'name' | 'sha256'>,
    by: string,
    at: Date,
  ): Promise<RegistryChange> {
    return this.store.transaction(async (repos) => {
      await repos.permits.lockEdits();
      // Under the lock: two instances starting with a new file take it in once.
      if (load.source === 'file' && (await repos.permits.lastLoad('file'))?.sha256 === load.sha256)
        return { permits: permits.length, added: 0, changed: 0, removed: 0 };
      const current = await repos.permits.all();
      const change: RegistryChange = { permits: permits.length, added: 0, changed: 0, removed: 0 };
      for (const permit of permits) {
        const before = current.get(permit.plate);
        current.delete(permit.plate);
        if (before && same(before, permit)) continue;
        await repos.permits.put(permit, before, load.source, by, at);
        if (before) change.changed++;
        else change.added++;
      }
      for (const gone of current.values()) {
        await repos.permits.remove(gone, load.source, by, at);
        change.removed++;
      }
      await repos.permits.appendLoad({ ...load, ...change, by }, at);
      return change;
    });
  }
}
