export const SANDBOX_OUTBOX_TOKEN = Symbol('SandboxOutbox');
