/**
 * On SQLite every instance runs on the machine that holds the database file, so an instance
 * can tell that another one is gone without waiting for its leases to run out: its instance ID
 * (`hostname:pid:random`) names this host and a process that no longer exists. A restarted
 * instance then picks the dead one's records up at once instead of after the lease.
 * On PostgreSQL instances live on other machines and only lease expiry counts.
 */
import { hostname } from 'node:os';

/** True when `owner` is an instance ID of this host whose process is gone. */
export function isDeadLocalOwner(owner: string, selfId: string, host: string = hostname()): boolean {
  if (owner === selfId) return false;
  const match = /^(.*):(\d+):[0-9a-f]+$/.exec(owner);
  if (!match || match[1] !== host) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false; // alive (or a reused pid: then the lease decides, as on PostgreSQL)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
