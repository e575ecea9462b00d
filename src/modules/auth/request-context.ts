/** Who asked, carried into every event's metadata. */
export interface RequestContext {
  appKey: string;
  correlationId: string;
}

export const contextMetadata = (ctx: RequestContext) => ({ appKey: ctx.appKey, correlationId: ctx.correlationId, causationId: ctx.correlationId });
