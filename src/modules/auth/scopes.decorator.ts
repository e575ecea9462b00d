import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { Scope } from '../../domain/client/client.js';

export const SCOPES_KEY = 'herald:scopes';
export const PUBLIC_KEY = 'herald:public';

/** The caller needs any one of these scopes (admin holds all). */
export const Scopes = (...scopes: Scope[]) => SetMetadata(SCOPES_KEY, scopes);

/** No credentials needed (docs, health, tracking pixels); documented as such (an empty security requirement). */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiSecurity({}));

export const SESSION_KEY = 'herald:session';

/** Authenticated by the operator console's session cookie instead of HTTP Basic (see ConsoleSessionGuard); not part of the documented API. */
export const ConsoleSessionAuth = () => SetMetadata(SESSION_KEY, true);
