export const SANDBOX_OUTBOX = Symbol('SandboxOutbox');
