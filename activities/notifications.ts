/** Reminders, escalations and notices to applicants and staff (a row each; read by the console and mailers). */
import type { Pool } from 'pg';

export function createNotificationActivities(pool: Pool) {
  return {
    /** Reminders and escalations; the key makes a retried send a no-op. */
    async notify(input: { key: string; applicationId: string; province: string; recipientRole: string; kind: string; message: string }): Promise<void> {
      await pool.query(
        `INSERT INTO notifications (notification_key, application_id, province, recipient_role, kind, message)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (notification_key) DO NOTHING`,
        [input.key, input.applicationId, input.province, input.recipientRole, input.kind, input.message],
      );
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
