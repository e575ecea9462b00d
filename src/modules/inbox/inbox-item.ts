import type { InboxItemContent } from '../../domain/notification/inbox.js';
import type { RenderedMessage } from '../channels/provider.port.js';
import { TemplateRenderError } from '../templates/template-renderer.js';
import { isTrackableUrl } from '../tracking/tracking-token.js';

/**
 * What goes in the feed of a message rendered for the inapp channel. A rendered template can
 * still come out without a title or body, or with an action URL a browser must not follow
 * (javascript:, data:): that is a render failure, as for any other channel's bad content.
 */
export function inboxItemOf(message: RenderedMessage): InboxItemContent {
  const { title, body, actionUrl, data } = message;
  if (!title && !body) throw new TemplateRenderError('an in-app item needs a title or a body');
  if (actionUrl !== undefined && !isTrackableUrl(actionUrl)) throw new TemplateRenderError('an in-app item’s actionUrl must be an http or https URL');
  return { ...(title ? { title } : {}), ...(body ? { body } : {}), ...(actionUrl ? { actionUrl } : {}), ...(data && Object.keys(data).length > 0 ? { data } : {}) };
}
