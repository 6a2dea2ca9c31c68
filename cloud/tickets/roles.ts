/** Who may do what in the ticket loop (see tickets/ticket-state-machine.ts). */
export const ROLES = ['operator', 'dispatcher', 'handler', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles that belong to one department and see and act on only the tickets routed to it (the
 * config requires them to name it). The others work across departments.
 */
export const DEPARTMENT_BOUND_ROLES: readonly Role[] = ['handler'];

/** Whether a user of `role` (of `department`) may see and act on a ticket routed to `ticketDepartment`. */
export function mayWorkTicket(
  user: { role: Role; department?: string | undefined },
  ticketDepartment: string,
): boolean {
  return !DEPARTMENT_BOUND_ROLES.includes(user.role) || user.department === ticketDepartment;
}
