import { Body, Controller, ForbiddenException, Get, HttpCode, Inject, NotFoundException, Post, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.js';
import { Public } from '../auth/scopes.decorator.js';
import { AcceptsForm, FORM } from '../http/form-body.js';
import { validationFailed, type FieldError } from '../http/validation.js';
import { ApiErrorResponses } from '../openapi/api-responses.js';
import { ReceiveInboundSmsCommand } from './commands/receive-inbound-sms.command.js';
import { InboundSmsResultDto, VONAGE_INBOUND_SCHEMA } from './dto/inbound-sms-responses.js';
import { VonageSignature, type SignatureCheck } from './vonage-signature.js';

const REFUSED: Record<Exclude<SignatureCheck, 'valid'>, string> = {
  missing: 'the request is not signed: sig and timestamp are required',
  invalid: 'the signature does not match',
  stale: 'the signed timestamp is more than 5 minutes from now',
};
const MAX_FIELD = 2048;

/**
 * Vonage's SMS API inbound-message webhook: STOP, START and HELP from the phones Herald texts.
 * No credentials: the signature with the account's signature secret is the authority, and a
 * request that is unsigned, wrongly signed or stale is refused (403) and changes nothing. Not
 * configured (no VONAGE_SIGNATURE_SECRET), the route answers 404.
 */
@ApiTags('inbound')
@ApiErrorResponses(
  { status: 400, description: 'a signed request lacks a field, or a field is not a string', message: 'request validation failed' },
  { status: 403, description: 'unsigned (code signature_missing), wrongly signed (signature_invalid) or stale (signature_stale): nothing changes', message: REFUSED.invalid },
  { status: 404, description: 'inbound SMS is not configured (VONAGE_SIGNATURE_SECRET)', message: 'inbound SMS is not configured' },
  503,
)
@Controller('v1/inbound/vonage/sms')
export class InboundSmsController {
  private readonly signature: VonageSignature | null;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly commands: CommandBus,
  ) {
    const vonage = config.inboundSms.vonage;
    this.signature = vonage ? new VonageSignature(vonage.signatureSecret, vonage.signatureMethod) : null;
  }

  @Get()
  @Public()
  @ApiOperation({ summary: 'An inbound SMS from Vonage, as a query string (the GET webhook method)', description: 'See the POST: the same fields, the same answer.' })
  @ApiQuery({ name: 'params', required: true, style: 'form', explode: true, schema: VONAGE_INBOUND_SCHEMA })
  @ApiOkResponse({ type: InboundSmsResultDto })
  receiveByGet(@Query() query: unknown, @Req() request: AuthenticatedRequest): Promise<InboundSmsResultDto> {
    return this.receive(query, undefined, request);
  }

  @Post()
  @Public()
  @AcceptsForm()
  @HttpCode(200)
  @ApiOperation({
    summary: 'An inbound SMS from Vonage: STOP and its kin opt the phone’s users out of SMS, START and UNSTOP back in',
    description: 'JSON or a form, as the webhook method is set in the Vonage dashboard. A retry of a message id already received records nothing and changes nothing twice.',
  })
  @ApiConsumes('application/json', FORM)
  @ApiBody({ schema: VONAGE_INBOUND_SCHEMA })
  @ApiOkResponse({ type: InboundSmsResultDto })
  @ApiErrorResponses(413, 415)
  receiveByPost(@Query() query: unknown, @Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<InboundSmsResultDto> {
    return this.receive(query, body, request);
  }

  private async receive(query: unknown, body: unknown, request: AuthenticatedRequest): Promise<InboundSmsResultDto> {
    if (!this.signature) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: 'inbound SMS is not configured' });
    // Vonage signs every parameter it sends, wherever it put them.
    const params = flatStrings({ ...asRecord(query), ...asRecord(body) });
    const check = this.signature.check(params, Date.now());
    if (check !== 'valid') throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', message: REFUSED[check], code: `signature_${check}` });
    const message = inboundMessage(params);
    const correlationId = request.correlationId;
    return this.commands.execute(new ReceiveInboundSmsCommand(message, correlationId ? { correlationId } : {}));
  }
}

const asRecord = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** Every value as the string it was signed as; anything nested (Vonage sends none) is a 400 naming it. */
function flatStrings(raw: Record<string, unknown>): Record<string, string> {
  const errors: FieldError[] = [];
  // No prototype: a parameter named __proto__ is just a parameter.
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else errors.push({ field: key, messages: [`${key} must be a string`] });
  }
  if (errors.length > 0) throw validationFailed(errors);
  return out;
}

/** The fields Herald needs from a verified webhook; each missing or malformed one is named. */
function inboundMessage(params: Record<string, string>) {
  const errors: FieldError[] = [];
  const required = (field: string, pattern: RegExp, rule: string): string => {
    const value = params[field];
    if (value === undefined || value === '') errors.push({ field, messages: [`${field} is required`] });
    else if (value.length > MAX_FIELD || !pattern.test(value)) errors.push({ field, messages: [`${field} must be ${rule}`] });
    return value ?? '';
  };
  // Vonage writes numbers in E.164 without the plus.
  const msisdn = required('msisdn', /^\+?[1-9]\d{6,14}$/, 'a phone number in E.164 format, with or without the plus');
  const to = required('to', /^\S{1,64}$/, 'a number or sender id');
  const messageId = required('messageId', /^[\w.:-]{1,100}$/, 'at most 100 letters, digits, dots, colons, dashes or underscores');
  const text = params.text ?? '';
  if (text.length > MAX_FIELD) errors.push({ field: 'text', messages: [`text must be at most ${MAX_FIELD} characters`] });
  const stamp = params['message-timestamp'];
  const sentAt = stamp && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(stamp) && !Number.isNaN(Date.parse(`${stamp.replace(' ', 'T')}Z`)) ? new Date(`${stamp.replace(' ', 'T')}Z`).toISOString() : null;
  if (errors.length > 0) throw validationFailed(errors);
  return { messageId, phone: msisdn.startsWith('+') ? msisdn : `+${msisdn}`, to, text, sentAt };
}
