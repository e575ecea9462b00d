import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** Letters, digits and . _ : @ - ; up to 128 characters. */
export const USER_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
export const USER_ID_MESSAGE = 'userId must be 1-128 characters of letters, digits and . _ : @ -';

export class UserParams {
  @ApiProperty({ example: 'user-42', pattern: USER_ID.source })
  @Matches(USER_ID, { message: USER_ID_MESSAGE })
  userId: string;
}

export class DeviceParams extends UserParams {
  @ApiProperty({ format: 'uuid', example: '5d0f8a52-7c1e-4b6a-9e3d-1f2a3b4c5d6e', description: 'a deviceId returned at registration' })
  @Matches(/^[0-9a-f-]{36}$/, { message: 'deviceId must be a device id returned at registration' })
  deviceId: string;
}
