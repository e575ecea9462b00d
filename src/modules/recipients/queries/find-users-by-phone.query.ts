import { Query } from '@nestjs/cqrs';

/** The users whose profile holds a phone number (E.164), from the recipients read model. */
export class FindUsersByPhoneQuery extends Query<string[]> {
  constructor(readonly phone: string) {
    super();
  }
}
