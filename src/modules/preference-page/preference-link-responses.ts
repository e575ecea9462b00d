import { ApiProperty } from '@nestjs/swagger';
import type { PreferenceLink } from '../tracking/preference-links.js';

export class PreferenceLinkDto implements PreferenceLink {
  @ApiProperty({ format: 'uri', example: 'https://herald.example.com/p/Hk3x9QaZ.eyJrIjoicCJ9.c2lnbmF0dXJl', description: 'the user’s preference page: give it to the user only' })
  url: string;
  @ApiProperty({ description: 'the token in the URL (keyId.payload.signature), signed like every tracking link' })
  token: string;
  @ApiProperty({ format: 'date-time', description: 'a year from now: the link opens the page until then' })
  expiresAt: string;
}
