import net from 'node:net';

/**
 * A free loopback port for a server a test starts later by number (a spawned app, an embedded
 * PostgreSQL or Meilisearch). Chosen below Linux's ephemeral range (32768–60999): ports handed out
 * by the OS there are also the local ends of every outgoing connection (the parallel test files
 * open many to PostgreSQL), and one of those can take the port between choosing and binding it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  return osAssignedPort();
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function osAssignedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
