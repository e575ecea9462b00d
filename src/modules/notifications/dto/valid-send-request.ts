import { stripProtoKeys } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { requestSchemas } from '../../http/request-schemas.js';
import { VALIDATION_OPTIONS, createValidationPipe, fieldErrors, validationFailed } from '../../http/validation.js';
import { crossFieldErrors } from './check-send.js';
import { SendBatchDto, SendNotificationDto } from './send-notification.dto.js';

/**
 * One send request, checked by its decorators and the rules across fields, every bad field named
 * at once. A body the compiled schema accepts with no finding across fields is taken as it came
 * (class-transformer would only have copied it); any other takes class-validator's full check,
 * so a 400's body is always the same.
 */
export async function validSendRequest(body: unknown, now: number): Promise<SendNotificationDto> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationFailed([{ field: 'body', messages: ['the body must be a JSON object'] }]);
  stripProtoKeys(body); // as the validation pipe does: no __proto__ or constructor reaches class-transformer
  if (requestSchemas.accepts(SendNotificationDto.name, body) && crossFieldErrors(body as SendNotificationDto, now).length === 0) return body as SendNotificationDto;
  const request = plainToInstance(SendNotificationDto, body);
  const errors = [...fieldErrors(await validate(request, VALIDATION_OPTIONS)), ...crossFieldErrors(request, now)];
  if (errors.length > 0) throw validationFailed(errors);
  return request;
}

const batchPipe = createValidationPipe();

/**
 * A batch's envelope, as the global validation pipe checks it. A batch the compiled schema
 * accepts (its items too: each is still checked on its own) is taken as it came, without
 * class-transformer copying its thousand items first; any other gets the pipe's own answer.
 */
export async function validBatch(body: unknown): Promise<SendBatchDto> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    stripProtoKeys(body);
    if (requestSchemas.accepts(SendBatchDto.name, body)) return body as SendBatchDto;
  }
  return (await batchPipe.transform(body, { type: 'body', metatype: SendBatchDto })) as SendBatchDto;
}
