export const ROLES = ['api', 'dispatcher', 'worker', 'projector'] as const;
export type Role = (typeof ROLES)[number];
