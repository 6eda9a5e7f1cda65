/**
 * Samples pg_stat_activity on a connection of its own while something runs: how many backends the
 * provider holds (application_name 'pulumi-postgres-roles'), and every query text any backend shows.
 */
import type { Client } from "pg";
import { testServer, clientFor } from "../support/db";

export const APPLICATION_NAME = "pulumi-postgres-roles";

export interface ActivitySummary {
  peak: number;
  samples: number;
  /** Distinct query texts seen in pg_stat_activity (every backend). */
  queries: Set<string>;
}

export class ActivitySampler {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly summary: ActivitySummary = { peak: 0, samples: 0, queries: new Set() };

  constructor(private readonly intervalMs = 25) {}

  async start(): Promise<void> {
    const s = testServer();
    // As the server's superuser: it sees every backend's query text.
    this.client = clientFor(s, { application_name: "pgr-reliability-sampler" });
    this.client.on("error", () => undefined);
    await this.client.connect();
    const tick = async () => {
      try {
        const { rows } = await this.client!.query<{ n: number; queries: string[] | null }>(
          `SELECT count(*) FILTER (WHERE application_name = $1)::int AS n,
                  array_agg(query) FILTER (WHERE pid <> pg_backend_pid() AND query <> '') AS queries
             FROM pg_stat_activity`,
          [APPLICATION_NAME],
        );
        const r = rows[0]!;
        this.summary.samples += 1;
        this.summary.peak = Math.max(this.summary.peak, r.n);
        for (const q of r.queries ?? []) this.summary.queries.add(q);
      } catch {
        // the server may be restarting: the next tick tries again
      }
    };
    const loop = async () => {
      await tick();
      if (this.client) this.timer = setTimeout(() => (this.running = loop()), this.intervalMs);
    };
    this.running = loop();
  }

  async stop(): Promise<ActivitySummary> {
    const c = this.client;
    this.client = undefined;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await c?.end().catch(() => undefined);
    return this.summary;
  }
}
