import { Inject, NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { maskToken } from '../masking.js';
import { TopicMembership } from '../../topics/topic-membership.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipient-actors.js';
import { GetUserQuery, type UserView } from './get-user.query.js';


@QueryHandler(GetUserQuery)
export class GetUserHandler implements IQueryHandler<GetUserQuery> {
  constructor(
    @Inject(RECIPIENT_ACTORS) private readonly actors: RecipientActors,
    private readonly topics: TopicMembership,
  ) {}

  async execute({ userId }: GetUserQuery): Promise<UserView> {
    const { state } = await this.actors.read(userId);
    if (state.userId === null) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no user ${userId}` });
    return {
      userId,
      ...state.profile,
      devices: state.devices.map((d) => ({ deviceId: d.deviceId, platform: d.platform, provider: d.provider, token: maskToken(d.token), registeredAt: d.registeredAt })),
      preferences: state.preferences,
      topics: await this.topics.topicsOf(userId),
    };
  }
}
