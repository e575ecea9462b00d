import type { TemplateVersion } from '../../domain/template/template.js';
import type { DeliveryJob } from '../../projections/delivery-job.js';
import type { OutboundMessage, RenderedMessage } from '../channels/provider.port.js';
import type { BuiltInVariables, TemplateRenderer } from '../templates/template-renderer.js';

/**
 * Inline content maps onto each channel's fields; templates are rendered for the user's locale,
 * with Herald's built-in variables (those the template reads) over the send's params.
 */
export function renderFor(job: DeliveryJob, locale: string | null, template: TemplateVersion | null, renderer: TemplateRenderer, builtIns: Partial<BuiltInVariables>): RenderedMessage {
  if (job.content.kind === 'template') {
    const { locale: _chosen, ...rendered } = renderer.render(template!, job.channel, locale, { ...job.content.params, ...builtIns });
    return rendered;
  }
  const c = job.content;
  switch (job.channel) {
    case 'push':
      return strip({ title: c.title, body: c.body ?? c.text, data: c.data });
    case 'sms':
      return strip({ text: c.text ?? c.body ?? c.title });
    case 'email':
      return strip({ subject: c.subject ?? c.title, text: c.text ?? c.body, html: c.html });
    case 'inapp':
      return strip({ title: c.title ?? c.subject, body: c.body ?? c.text, actionUrl: c.actionUrl, data: c.data });
  }
}

export function outbound(job: DeliveryJob, message: RenderedMessage, headers: Record<string, string> = {}): OutboundMessage {
  return {
    deliveryId: job.deliveryId,
    notificationId: job.notificationId,
    userId: job.userId,
    category: job.category,
    priority: job.priority,
    target: job.target,
    message,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    tags: [job.category],
    variables: { category: job.category, userId: job.userId },
  };
}

function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
