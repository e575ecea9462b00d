import { Inject, NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipient-actors.js';
import { GetUserQuery, type UserView } from './get-user.query.js';

/**
 * Tokens are shown masked: enough to recognise a device, not enough to push to it. A web push
 * endpoint keeps its origin, which says which browser's push service it belongs to.
 */
function mask(token: string): string {
  if (token.length <= 12) return '****';
  const origin = token.startsWith('https://') ? new URL(token).origin : token.slice(0, 6);
  return `${origin}…${token.slice(-4)}`;
}

@QueryHandler(GetUserQuery)
export class GetUserHandler implements IQueryHandler<GetUserQuery> {
  constructor(@Inject(RECIPIENT_ACTORS) private readonly actors: RecipientActors) {}

  async execute({ userId }: GetUserQuery): Promise<UserView> {
    const { state } = await this.actors.read(userId);
    if (state.userId === null) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no user ${userId}` });
    return {
      userId,
      ...state.profile,
      devices: state.devices.map((d) => ({ deviceId: d.deviceId, platform: d.platform, provider: d.provider, token: mask(d.token), registeredAt: d.registeredAt })),
      preferences: state.preferences,
    };
  }
}
