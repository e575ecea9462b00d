import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export const OPENAPI_DOCUMENT_PATH = '/docs/openapi.json';

const TAGS: Record<string, string> = {
  notifications: 'Send, schedule, cancel and follow notifications',
  users: 'Recipients: contact info, push devices and preferences',
  templates: 'Versioned, localized content per channel',
  tracking: 'Opens, clicks and conversions: reported by apps, or followed from email links and pixels',
  clients: 'API clients: credentials, scopes and webhooks',
  audit: 'The raw event log, timelines, and why each channel delivered or not',
  analytics: 'Volumes, outcomes, engagement and latency',
  inbox: 'The in-app feed: subscriber tokens, the feed a browser reads and marks, its live stream, the web component',
  sandbox: 'What the sandbox provider recorded in place of sending',
  health: 'Probes for orchestrators',
  metrics: 'Prometheus metrics',
};

/**
 * A public operation is marked with an empty requirement ({}); Nest drops an empty list, so the
 * mark becomes `security: []` (no credentials) here, overriding the document-wide HTTP Basic.
 */
function openPublicOperations(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      const op = operation as { security?: Record<string, string[]>[] };
      if (op.security?.length === 1 && Object.keys(op.security[0]!).length === 0) op.security = [];
    }
  }
}

/** Builds the OpenAPI document from the controllers' decorators and serves it, with Swagger UI at /docs. */
export function setupOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Herald')
    .setDescription('Event-sourced notifications: APNs, FCM, SMS, email and an in-app feed, with opt-outs, rate limits and dedup.')
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'this Herald')
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'appKey as user name, appSecret as password' }, 'basic')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'a subscriber token (POST /v1/users/{userId}/inbox-token): one user’s in-app feed, for their browser' }, 'subscriberToken')
    .addSecurityRequirements('basic');
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());
  openPublicOperations(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: OPENAPI_DOCUMENT_PATH.slice(1) });
  return document;
}
