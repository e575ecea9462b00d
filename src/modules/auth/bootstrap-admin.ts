import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { WrongExpectedRevisionError } from '../event-store/event-store.port.js';
import { ClientDirectory } from './client-directory.js';

export const ADMIN_CREDENTIALS_FILE = 'admin-credentials.json';

/**
 * On a first start with no client at all, create an admin client and write its credentials to
 * a file only the owner can read, so a fresh install is usable without a separate step.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdmin.name);

  constructor(
    private readonly clients: ClientDirectory,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.clients.refresh();
    if (!this.config.bootstrapAdmin || this.clients.count > 0) return;
    try {
      const created = await this.clients.create({ name: 'bootstrap-admin', scopes: ['admin'] }, { actor: 'bootstrap' }, 'no_stream');
      const file = join(this.config.dataDir, ADMIN_CREDENTIALS_FILE);
      writeFileSync(file, JSON.stringify({ appKey: created.appKey, appSecret: created.appSecret }, null, 2) + '\n', { mode: 0o600 });
      chmodSync(file, 0o600);
      this.logger.warn({ msg: 'no API client existed: created an admin client; its credentials are in this file (owner-only)', file, appKey: created.appKey });
    } catch (error) {
      // Another process won the race to create the first client: nothing to do.
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      await this.clients.refresh();
    }
  }
}
