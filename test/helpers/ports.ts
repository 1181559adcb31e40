/** Local ports for tests. */
import net from 'node:net';

/** A local port nothing listens on: bound by the OS, then released (to point a client at, or to bind later). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
