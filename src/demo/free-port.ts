import { createServer } from 'node:net';

/** True when `port` can be bound on `host` right now. */
function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * The first free port from `preferred` on (a newcomer's 8080 may be taken by something else).
 * 0 stays 0: the OS picks.
 */
export async function findFreePort(preferred: number, host: string, tries = 20): Promise<number> {
  if (preferred === 0) return 0;
  for (let port = preferred; port < preferred + tries && port <= 65535; port++) {
    if (await canListen(port, host)) return port;
  }
  return 0;
}
