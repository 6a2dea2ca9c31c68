/** Who may do what in the ticket loop (see tickets/ticket-state-machine.ts). */
export const ROLES = ['operator', 'dispatcher', 'handler', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
