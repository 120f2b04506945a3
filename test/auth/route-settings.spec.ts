import 'reflect-metadata';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import type { KeycardConfig } from '../../src/config/keycard-options.interface.js';
import { KeycardAuthGuard } from '../../src/auth/keycard-auth.guard.js';
import type { KeycardTokenVerifier } from '../../src/auth/keycard-token.verifier.js';
import { Public } from '../../src/auth/public.decorator.js';
import { RequireScopes } from '../../src/auth/require-scopes.decorator.js';
import { RouteSettingsCache } from '../../src/auth/route-settings-cache.js';

class Base {
  shared(): void {}
  @RequireScopes('read')
  reader(): void {}
  @Public()
  open(): void {}
}

@RequireScopes('admin')
class Admin extends Base {}

class Plain extends Base {}

/** Exposes the guard's protected per-route decisions. */
class InspectableGuard extends KeycardAuthGuard {
  scopesOf(context: ExecutionContext): readonly string[] {
    return this.getRequiredScopes(context);
  }
  publicOf(context: ExecutionContext): boolean {
    return this.isPublic(context);
  }
}

function guard(requiredScopes: string[] = ['base']): InspectableGuard {
  const verifier = { config: { requiredScopes } as unknown as KeycardConfig } as KeycardTokenVerifier;
  return new InspectableGuard(verifier, new Reflector());
}

const route = (handler: () => void, target: object) => ({ getHandler: () => handler, getClass: () => target }) as unknown as ExecutionContext;

describe('per-route settings, read once', () => {
  it('keeps (handler, class) pairs apart: one inherited handler in two classes', () => {
    const cache = new RouteSettingsCache<string>();
    const handler = Base.prototype.shared;
    expect(cache.set(handler, Admin, 'admin')).toBe('admin');
    expect(cache.set(handler, Plain, 'plain')).toBe('plain');
    expect(cache.get(handler, Admin)).toBe('admin');
    expect(cache.get(handler, Plain)).toBe('plain');
    expect(cache.get(Base.prototype.reader, Admin)).toBeUndefined();
    expect(cache.set(undefined, Admin, 'x')).toBe('x');
    expect(cache.get(undefined, Admin)).toBeUndefined();
  });

  it('gives each route its own @Public and required scopes, also when asked again', () => {
    const target = guard();
    for (let round = 0; round < 2; round++) {
      expect(target.scopesOf(route(Base.prototype.shared, Admin))).toEqual(['base', 'admin']);
      expect(target.scopesOf(route(Base.prototype.shared, Plain))).toEqual(['base']);
      expect(target.scopesOf(route(Base.prototype.reader, Admin))).toEqual(['base', 'read', 'admin']);
      expect(target.scopesOf(route(Base.prototype.reader, Plain))).toEqual(['base', 'read']);
      expect(target.publicOf(route(Base.prototype.open, Plain))).toBe(true);
      expect(target.publicOf(route(Base.prototype.shared, Plain))).toBe(false);
    }
  });

  it('hands out a frozen list: a caller cannot change the route', () => {
    const target = guard();
    expect(() => (target.scopesOf(route(Base.prototype.reader, Plain)) as string[]).push('extra')).toThrow(TypeError);
    expect(target.scopesOf(route(Base.prototype.reader, Plain))).toEqual(['base', 'read']);
  });

  it('is per guard: another module’s requiredScopes are its own', () => {
    guard(['one']).scopesOf(route(Base.prototype.shared, Plain));
    expect(guard(['two']).scopesOf(route(Base.prototype.shared, Plain))).toEqual(['two']);
  });
});
