/**
 * A TCP proxy in front of the test server that injects the faults a network gives: every connection
 * cut at once, or a COMMIT that the server carries out and whose answer never reaches the client
 * (the connection drops in between: the client cannot know whether its transaction committed).
 * It reads the frontend protocol (startup, then typed messages) to find simple-protocol COMMITs.
 */
import { type Server, type Socket, connect, createServer } from "node:net";

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Drop the connection on the server's next answer (the COMMIT's). */
  dropOnReply: boolean;
}

export class FaultProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private commitDrops = 0;
  port = 0;
  /** COMMITs the server carried out whose answer was dropped. */
  commitsDropped = 0;
  connections = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((res) => this.server!.listen(0, "127.0.0.1", () => res()));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** The next `n` COMMITs reach the server, and the connection drops before their answer comes back. */
  dropAfterCommit(n: number): void {
    this.commitDrops += n;
  }

  /** Pending COMMIT drops not used yet. */
  get armed(): number {
    return this.commitDrops;
  }

  /** Cuts every open connection (both sides), as a network failure would; returns how many. */
  cutAll(): number {
    const n = this.pairs.size;
    for (const p of this.pairs) this.cut(p);
    return n;
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((res) => (this.server ? this.server.close(() => res()) : res()));
  }

  private cut(p: Pair): void {
    this.pairs.delete(p);
    p.client.destroy();
    p.upstream.destroy();
  }

  private accept(client: Socket): void {
    this.connections += 1;
    const upstream = connect(this.targetPort, this.targetHost);
    const pair: Pair = { client, upstream, dropOnReply: false };
    this.pairs.add(pair);
    let buf = Buffer.alloc(0);
    let startup = true;
    client.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      // Frame the messages to find simple-protocol queries; forward everything unchanged.
      for (;;) {
        if (startup) {
          if (buf.length < 8) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          // SSLRequest / GSSENCRequest come before the real startup message.
          if (code !== 80877103 && code !== 80877104) startup = false;
          buf = buf.subarray(len);
          continue;
        }
        if (buf.length < 5) break;
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        const type = String.fromCharCode(buf[0]!);
        if (type === "Q" && this.commitDrops > 0) {
          const sql = buf.subarray(5, len).toString("utf8").replace(/\0$/, "").trim().toUpperCase();
          if (sql === "COMMIT") {
            this.commitDrops -= 1;
            pair.dropOnReply = true;
          }
        }
        buf = buf.subarray(len + 1);
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (pair.dropOnReply) {
        // The server has answered the COMMIT: it is done. The client never hears of it.
        this.commitsDropped += 1;
        this.cut(pair);
        return;
      }
      client.write(chunk);
    });
    const end = () => this.cut(pair);
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  }
}
