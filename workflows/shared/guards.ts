/**
 * Validator guards shared by every workflow: who may send a message (the permissions table,
 * R01 province scope). A guard throws `messageRefused`, so a refused message leaves nothing in
 * history and the API maps the refusal to 403 / 409 / 422.
 */
import { type Action, MAY } from '../../domain/permissions';
import { messageRefused } from '../../domain/refusal';
import type { Actor } from '../../domain/roles';
import { requireNoResultInThisTask } from './activities';

export interface Owner {
  /** The province that owns the case or licence (R01). */
  province: string;
  /** How refusals name it: "case A-1", "certificate (京)XK…". */
  subject: string;
}

/** The actor's role may take `action` (domain/permissions.ts) and belongs to the owner's province (R01). */
export function requireStaff(actor: Actor, action: Action, owner: Owner, roles: readonly string[] = MAY[action]): void {
  if (!roles.includes(actor.role)) throw messageRefused('forbidden', `role ${actor.role} may not ${describe(action)}; needs ${roles.join(' or ')}`);
  if (actor.province !== owner.province) {
    throw messageRefused('forbidden', `${owner.subject} belongs to province ${owner.province}, not ${actor.province ?? 'none'} (R01)`);
  }
  requireNoResultInThisTask(owner.subject);
}

/** "pauseClock" → "pause clock": readable enough for a refusal, and never out of step with the table. */
function describe(action: Action): string {
  return action.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}
