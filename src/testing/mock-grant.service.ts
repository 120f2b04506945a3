import type { AccessContext } from '../grant/access-context.js';
import type { GrantOptions } from '../grant/grant-options.interface.js';
import { GrantService, type GrantSubject } from '../grant/grant.service.js';
import type { TokenExchangeService } from '../grant/token-exchange.service.js';
import type { ZoneMetadataService } from '../zone/zone-metadata.service.js';
import { checkMockAccessOptions, mockAccessContext, type MockAccessOptions } from './mock-access-context.js';

/** One grant a handler asked for (`@Grant(...)` or `withGrant(...)`), as `MockGrantService.calls` records it. */
export interface MockGrantCall {
  /** The caller: the token `KeycardAuthGuard` (or `FakeKeycardGuard`) put in `req.auth`, if any. */
  readonly subject: GrantSubject;
  /** The resources the handler asked for, in `@Grant` order. */
  readonly resources: readonly string[];
  /** The scopes it asked for, as given to `@Grant`. */
  readonly scopes: GrantOptions['scopes'];
  /** What the handler was given. */
  readonly accessContext: AccessContext;
}

/**
 * A `GrantService` that never exchanges anything: every grant is answered from a
 * `mockAccessContext()` scenario, and recorded in `calls`. `@Grant`/`@AccessCtx` and
 * `withGrant` work unchanged on top of it (it is a `GrantService`; only `grant()` differs).
 *
 * Install it with `overrideProvider(GrantService).useValue(mockGrants())`, or through
 * `overrideKeycard()`.
 */
export class MockGrantService extends GrantService {
  readonly #calls: MockGrantCall[] = [];
  #scenario: MockAccessOptions;

  constructor(scenario: MockAccessOptions = {}) {
    // The zone and the exchange service are only used by the real `grant()`, replaced below.
    super(undefined as unknown as ZoneMetadataService, undefined as unknown as TokenExchangeService);
    checkMockAccessOptions(scenario);
    this.#scenario = { ...scenario };
  }

  /** Every grant so far, oldest first. */
  get calls(): readonly MockGrantCall[] {
    return [...this.#calls];
  }

  /** Switches to another scenario for the next grants (e.g. per test, in a shared app). */
  configure(scenario: MockAccessOptions): this {
    checkMockAccessOptions(scenario);
    this.#scenario = { ...scenario };
    return this;
  }

  /** Forgets the recorded calls. */
  reset(): this {
    this.#calls.length = 0;
    return this;
  }

  override grant(subject: GrantSubject, resources: readonly string[], options: GrantOptions = {}): Promise<AccessContext> {
    const accessContext = mockAccessContext({ ...this.#scenario, resources });
    this.#calls.push(
      Object.freeze({ subject: Object.freeze({ ...subject }), resources: Object.freeze([...resources]), scopes: options.scopes, accessContext }),
    );
    return Promise.resolve(accessContext);
  }
}

/**
 * The `GrantService` replacement for tests: `@Grant` and `withGrant` get a real
 * `AccessContext` built from the scenario, with no exchange and no network.
 *
 * ```ts
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(GrantService).useValue(mockGrants({ accessToken: 'my_token' }))
 * ```
 */
export function mockGrants(scenario: MockAccessOptions = {}): MockGrantService {
  return new MockGrantService(scenario);
}
