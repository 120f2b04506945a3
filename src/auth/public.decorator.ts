import { SetMetadata } from '@nestjs/common';
import { KEYCARD_PUBLIC_KEY } from './auth.constants.js';

/**
 * Lets a route (method) or a whole controller (class) through `KeycardAuthGuard`
 * without a token. Meant for apps that register the guard globally (`APP_GUARD`).
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(KEYCARD_PUBLIC_KEY, true);
