/** Request bodies that work as they are from /docs once the user (and the template) exist. */
export const SEND_EXAMPLES = {
  content: {
    summary: 'inline content, every channel the user has',
    value: { userId: 'user-42', category: 'orders', content: { title: 'Your order has shipped', body: 'Order 1234 is on its way', subject: 'Order 1234 shipped', text: 'Order 1234 is on its way.' } },
  },
  template: {
    summary: 'a published template, once per idempotency key',
    value: { userId: 'user-42', category: 'orders', channels: ['email'], template: { id: 'order-shipped', params: { order: '1234', name: 'Ada' } }, idempotencyKey: 'order-1234-shipped', priority: 'high' },
  },
  localTime: {
    summary: 'at the next 09:00 in the user’s time zone',
    value: { userId: 'user-42', category: 'news', channels: ['email'], content: { subject: 'Good morning', text: 'Today’s news.' }, sendAt: { localTime: '09:00' } },
  },
};

export const SEND_BATCH_EXAMPLES = {
  batch: {
    summary: 'two notifications, each answered on its own',
    value: {
      notifications: [
        { userId: 'user-42', category: 'orders', content: { title: 'Delivered', body: 'Order 1234 was delivered', subject: 'Order 1234 delivered', text: 'Order 1234 was delivered.' } },
        { userId: 'user-42', category: 'news', channels: ['email'], content: { subject: 'Spring sale', text: 'Our spring sale starts today.' } },
      ],
    },
  },
};
