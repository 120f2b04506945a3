import type { DynamicModule, INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { ExampleAppOptions } from './app-options.js';

/** `NestFactory.create` on Express (default) or Fastify. */
export async function createHttpApp(module: DynamicModule, options: ExampleAppOptions): Promise<INestApplication> {
  const appOptions: NestApplicationOptions = options.logger === undefined ? {} : { logger: options.logger };
  if (options.platform === 'fastify') {
    return NestFactory.create(module, new FastifyAdapter(), appOptions);
  }
  return NestFactory.create(module, appOptions);
}
