/** The fixed credentials of the local test user: a throwaway server's keys, not secrets. */
export declare const TEST_CREDENTIALS: Readonly<{ accessKeyId: string; secretAccessKey: string; region: string }>;
export declare const DEFAULT_PORT: number;

/** A running one-node Ceph RGW, as `startRgw()` resolves it. */
export interface Rgw {
  /** e.g. `http://127.0.0.1:7480`, without a trailing slash. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Process groups of ceph-mon, ceph-osd and radosgw. */
  readonly pids: readonly number[];
  /** The temp dir with ceph.conf, the monitor's store and the daemons' logs. */
  readonly dir: string;
  readonly stateFile: string;
  readonly startedMs: number;
  /** Kills the daemons and removes the temp dir and the state file. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartRgwOptions {
  /** Where S3 listens; 0 picks a free port. @default TIDEMARK_S3_PORT, else 7480 */
  port?: number;
  /** Kill the daemons when this Node process exits. @default true */
  killOnExit?: boolean;
}

export declare function startRgw(options?: StartRgwOptions): Promise<Rgw>;
export declare function stopAll(): Promise<number>;
export declare function killGroups(pids: readonly number[], graceMs?: number): Promise<void>;
export declare function findCeph(): { root: string; version: string } | undefined;
export declare function ensureCeph(): { root: string; version: string };
