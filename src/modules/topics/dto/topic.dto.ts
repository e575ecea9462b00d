import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MAX_USER_IDS_PER_CALL } from '../../../domain/broadcast/broadcast.js';
import { TOPIC_KEY } from '../../../domain/topic/topic.js';
import { USER_ID, USER_ID_MESSAGE } from '../../recipients/dto/user-params.dto.js';

export const TOPIC_KEY_MESSAGE = 'topicKey must be 1-100 characters of letters, digits and . _ : -';

export class TopicParams {
  @ApiProperty({ example: 'order-updates', pattern: TOPIC_KEY.source })
  @Matches(TOPIC_KEY, { message: TOPIC_KEY_MESSAGE })
  topicKey: string;
}

export class DefineTopicDto {
  @ApiProperty({ example: 'Order updates', minLength: 1, maxLength: 200 })
  @IsString() @MinLength(1) @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ type: String, example: 'Every change to an order the user placed', maxLength: 2000, nullable: true })
  @IsOptional() @IsString() @MaxLength(2000)
  description?: string | null;
}

export class SubscribersDto {
  @ApiProperty({ type: [String], example: ['user-42', 'user-43'], minItems: 1, maxItems: MAX_USER_IDS_PER_CALL, description: `1 to ${MAX_USER_IDS_PER_CALL} user ids; repeats are ignored` })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_USER_IDS_PER_CALL, { message: `userIds must hold at most ${MAX_USER_IDS_PER_CALL} user ids` })
  @IsString({ each: true }) @Matches(USER_ID, { each: true, message: USER_ID_MESSAGE })
  userIds: string[];
}

export class SubscribersQuery {
  @ApiPropertyOptional({ description: 'the `next` of the previous page' })
  @IsOptional() @IsString() @Matches(USER_ID, { message: 'cursor must be the next of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional() @Matches(/^([1-9]\d{0,2}|1000)$/, { message: 'limit must be an integer from 1 to 1000' })
  limit?: string;
}

export class TopicViewDto {
  @ApiProperty({ example: 'order-updates' }) topicKey: string;
  @ApiProperty({ example: 'Order updates' }) name: string;
  @ApiProperty({ type: 'string', nullable: true }) description: string | null;
  @ApiProperty({ type: 'integer', description: 'users subscribed now' }) subscriberCount: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class MembershipChangeDto {
  @ApiProperty({ example: 'order-updates' }) topicKey: string;
  @ApiProperty({ type: 'integer', description: 'users whose membership this call changed' }) changed: number;
  @ApiProperty({ type: 'integer', description: 'users already as asked: nothing recorded for them' }) unchanged: number;
}

export class SubscriberDto {
  @ApiProperty({ example: 'user-42' }) userId: string;
  @ApiProperty({ format: 'date-time' }) subscribedAt: string;
}

export class SubscriberPageDto {
  @ApiProperty({ example: 'order-updates' }) topicKey: string;
  @ApiProperty({ type: [SubscriberDto], description: 'by user id' }) subscribers: SubscriberDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'pass as ?cursor= for the next page; null at the end' }) next: string | null;
}

export class UserTopicDto {
  @ApiProperty({ example: 'order-updates' }) topicKey: string;
  @ApiProperty({ format: 'date-time' }) subscribedAt: string;
}
