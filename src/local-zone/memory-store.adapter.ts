/**
 * Per-zone in-memory storage for oidc-provider models (clients, grants, sessions,
 * interactions, codes, refresh tokens, replay detection). Each LocalZone owns one
 * store, so zones running in the same process never see each other's data, and the
 * store outlives provider rebuilds (key rotation, new scopes).
 *
 * No timers: expired entries are dropped when read and swept on writes.
 */

type Payload = Record<string, unknown>;

interface Entry {
  readonly payload: Payload;
  readonly expiresAt: number;
}

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

const SWEEP_EVERY_WRITES = 500;

export class MemoryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sessionUids = new Map<string, string>();
  private readonly userCodes = new Map<string, string>();
  private readonly grantMembers = new Map<string, Set<string>>();
  private writes = 0;

  get(key: string): Payload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(model: string, id: string, payload: Payload, expiresInSeconds?: number): void {
    const key = `${model}:${id}`;
    const expiresAt = typeof expiresInSeconds === 'number' ? Date.now() + expiresInSeconds * 1000 : Infinity;
    this.entries.set(key, { payload, expiresAt });
    if (model === 'Session' && typeof payload.uid === 'string') this.sessionUids.set(payload.uid, id);
    if (typeof payload.userCode === 'string') this.userCodes.set(payload.userCode, id);
    if (GRANTABLE.has(model) && typeof payload.grantId === 'string') {
      const members = this.grantMembers.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.grantMembers.set(payload.grantId, members);
    }
    this.writes += 1;
    if (this.writes % SWEEP_EVERY_WRITES === 0) this.sweep();
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  idForSessionUid(uid: string): string | undefined {
    return this.sessionUids.get(uid);
  }

  idForUserCode(userCode: string): string | undefined {
    return this.userCodes.get(userCode);
  }

  revokeGrant(grantId: string): void {
    for (const key of this.grantMembers.get(grantId) ?? []) this.entries.delete(key);
    this.grantMembers.delete(grantId);
  }

  /** Number of live entries (for tests of the store itself). */
  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    for (const [uid, id] of this.sessionUids) {
      if (!this.entries.has(`Session:${id}`)) this.sessionUids.delete(uid);
    }
    for (const [code, id] of this.userCodes) {
      if (!this.entries.has(`DeviceCode:${id}`)) this.userCodes.delete(code);
    }
    for (const [grantId, members] of this.grantMembers) {
      for (const key of members) if (!this.entries.has(key)) members.delete(key);
      if (members.size === 0) this.grantMembers.delete(grantId);
    }
  }
}

/** oidc-provider adapter (one instance per model name) backed by a `MemoryStore`. */
class MemoryStoreAdapter {
  constructor(
    private readonly model: string,
    private readonly store: MemoryStore,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    this.store.set(this.model, id, payload, expiresIn);
  }

  async find(id: string): Promise<Payload | undefined> {
    return this.store.get(this.key(id));
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const id = this.store.idForSessionUid(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const id = this.store.idForUserCode(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.revokeGrant(grantId);
  }
}

/** The `adapter` factory for oidc-provider's configuration. */
export function memoryStoreAdapterFactory(store: MemoryStore): (model: string) => MemoryStoreAdapter {
  return (model: string) => new MemoryStoreAdapter(model, store);
}
