import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsTimeZone, Matches, MaxLength, ValidateIf } from 'class-validator';
import { E164, EMAIL } from '../../../domain/recipient/values.js';

/** Contact info. A field left out or null is cleared: PUT replaces the whole profile. */
export class UpsertUserDto {
  @ApiPropertyOptional({ type: String, format: 'email', maxLength: 254, example: 'ada@example.com', nullable: true })
  @IsOptional()
  @ValidateIf((o: UpsertUserDto) => o.email !== null)
  @IsString()
  @MaxLength(254)
  @Matches(EMAIL, { message: 'email must be a valid email address' })
  email?: string | null;

  @ApiPropertyOptional({ type: String, pattern: E164.source, example: '+447700900123', description: 'E.164: +, country code, number', nullable: true })
  @IsOptional()
  @ValidateIf((o: UpsertUserDto) => o.phone !== null)
  @IsString()
  @Matches(E164, { message: 'phone must be in E.164 format, like +447700900123' })
  phone?: string | null;

  @ApiPropertyOptional({ type: String, example: 'en-GB', description: 'BCP 47 language tag', nullable: true })
  @IsOptional()
  @ValidateIf((o: UpsertUserDto) => o.locale !== null)
  @IsString()
  @Matches(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/, { message: 'locale must be a language tag like en or en-GB' })
  locale?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 64, example: 'Europe/London', description: 'IANA time zone', nullable: true })
  @IsOptional()
  @ValidateIf((o: UpsertUserDto) => o.timezone !== null)
  @IsString()
  @MaxLength(64)
  @IsTimeZone({ message: 'timezone must be an IANA time zone like Europe/London' })
  timezone?: string | null;
}
