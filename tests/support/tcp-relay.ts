// A plain TCP relay in front of a real service, on a port of its own: the engine under test reaches the service
// at an address the local stack knows nothing about, and a test can cut the service off and restore it
// without touching the shared service itself.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './free-port.js';

export class TcpRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts relaying 127.0.0.1:<a free port> to `target`. */
  static async start(target: { host: string; port: number }, port?: number): Promise<TcpRelay> {
    const relay = new TcpRelay(port ?? (await freePort()), target);
    await relay.restore();
    return relay;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The service "goes away": open connections are reset and new ones refused until restore(). */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.track(client);
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
