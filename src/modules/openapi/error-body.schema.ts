import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'FieldError', description: 'One bad field of the request and what is wrong with it' })
export class FieldErrorSchema {
  @ApiProperty({ description: 'dotted path of the field in the request (body fields, path and query parameters); `body` for the body as a whole', example: 'email' })
  field: string;

  @ApiProperty({ type: [String], example: ['email must be a valid email address'] })
  messages: string[];
}

@ApiSchema({ name: 'Error', description: 'The one error body of the API, on every error status' })
export class ErrorSchema {
  @ApiProperty({ type: 'integer', description: 'the HTTP status, repeated', example: 400 })
  statusCode: number;

  @ApiProperty({ description: 'the status text', example: 'Bad Request' })
  error: string;

  @ApiProperty({ description: 'what went wrong, for a person', example: 'request validation failed' })
  message: string;

  @ApiProperty({ type: [FieldErrorSchema], description: 'each bad field; always present, empty when no field is to blame' })
  errors: FieldErrorSchema[];

  @ApiPropertyOptional({ description: 'a machine-readable reason where there is one, such as token_invalidated or too_many_devices', example: 'token_invalidated' })
  code?: string;
}
