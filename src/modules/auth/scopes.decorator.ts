import { SetMetadata } from '@nestjs/common';
import type { Scope } from '../../domain/client/client.js';

export const SCOPES_KEY = 'herald:scopes';
export const PUBLIC_KEY = 'herald:public';

/** The caller needs any one of these scopes (admin holds all). */
export const Scopes = (...scopes: Scope[]) => SetMetadata(SCOPES_KEY, scopes);

/** No credentials needed (docs, health, tracking pixels). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
