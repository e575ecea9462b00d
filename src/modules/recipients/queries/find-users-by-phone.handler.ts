import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { ProjectionRunner } from '../../../projections/projection-runner.js';
import { READ_MODEL_DB, type ReadModelDb } from '../../read-models/read-model-db.port.js';
import { RECIPIENTS_RUNNER } from '../../read-models/read-models.module.js';
import { FindUsersByPhoneQuery } from './find-users-by-phone.query.js';

/** How long a lookup waits for the recipients projection to reach the log's head before it answers with what it has. */

/**
 * Served from the recipients read model, which trails the log: a phone set a moment ago may not
 * be there yet, so the lookup first waits (briefly) for the projection to reach the log's head.
 */
@QueryHandler(FindUsersByPhoneQuery)
export class FindUsersByPhoneHandler implements IQueryHandler<FindUsersByPhoneQuery> {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(RECIPIENTS_RUNNER) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ phone }: FindUsersByPhoneQuery): Promise<string[]> {
    await this.projection.caughtUpWithLog();
    const rows = await this.db.query<{ user_id: string }>('SELECT user_id FROM recipients WHERE phone = $1 ORDER BY user_id', [phone]);
    return rows.map((r) => r.user_id);
  }
}
