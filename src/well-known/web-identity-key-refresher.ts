import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectKeycardConfig } from '../config/inject-keycard-config.decorator.js';
import type { KeycardConfig } from '../config/keycard-options.interface.js';
import { WebIdentity } from '../credentials/web-identity.credential.js';

/**
 * Keeps a WebIdentity whose key storage rotates (`MountedKeyStorage`, `RedisKeyStorage`)
 * up to date: reads its keys again every `refreshIntervalMs`, so this replica signs with and
 * publishes at `/.well-known/jwks.json` what the other replicas do. A failed read keeps the
 * keys in use; it is logged once per failure streak.
 */
@Injectable()
export class WebIdentityKeyRefresher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebIdentityKeyRefresher.name);
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private running = false;

  constructor(@InjectKeycardConfig() private readonly config: KeycardConfig) {}

  onApplicationBootstrap(): void {
    const credential = this.config.credential;
    const interval = credential instanceof WebIdentity ? credential.keyRefreshIntervalMs : undefined;
    if (credential instanceof WebIdentity && interval !== undefined) {
      this.timer = setInterval(() => void this.refresh(credential), interval);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One refresh; public so that tests (and apps) can force one. */
  async refresh(credential: WebIdentity): Promise<void> {
    if (this.running) return; // a slow read is not stacked with the next one
    this.running = true;
    try {
      await credential.refreshKeys();
      if (this.failing) this.logger.log(`WebIdentity keys read again from ${credential.keyStorage?.describe() ?? 'the key storage'}`);
      this.failing = false;
    } catch (error: unknown) {
      if (!this.failing) {
        this.logger.warn(
          `Cannot read the WebIdentity keys again (${error instanceof Error ? error.message : 'unknown error'}); ` +
            'signing with and publishing the keys already loaded until it works',
        );
      }
      this.failing = true;
    } finally {
      this.running = false;
    }
  }
}
