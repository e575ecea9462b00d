import { ApiProperty } from '@nestjs/swagger';

export class EngagementRecordedDto {
  @ApiProperty({ format: 'uuid' }) notificationId: string;
  @ApiProperty({ example: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e.1' }) deliveryId: string;
  @ApiProperty({
    type: [String],
    description: 'the events recorded: empty for a repeat (counted once per delivery); a click also records the open it implies',
    example: ['NotificationOpened'],
  })
  recorded: string[];
}
