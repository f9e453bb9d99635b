/**
 * Port preflight for `npm start`: is a port free on the address the service will bind?
 */
import net from 'node:net';

export type PortCheck = { free: true } | { free: false; reason: 'in-use' | 'not-permitted' | 'other'; detail: string };

/**
 * Binds and immediately releases `port` on `host` (undefined = every interface, like
 * `app.listen(port)`). On Linux a listener on 127.0.0.1 blocks the wildcard and vice versa, so
 * checking the address the service itself will use finds every real conflict.
 */
export function checkPort(port: number, host?: string): Promise<PortCheck> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve({ free: false, reason: 'in-use', detail: err.code });
      else if (err.code === 'EACCES') resolve({ free: false, reason: 'not-permitted', detail: err.code });
      else if (host === undefined && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) {
        // No IPv6 on this machine: the wildcard listen falls back to IPv4 in Node too.
        void checkPort(port, '0.0.0.0').then(resolve);
      } else resolve({ free: false, reason: 'other', detail: err.code ?? err.message });
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve({ free: true }));
    });
  });
}
