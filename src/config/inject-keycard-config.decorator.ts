import { Inject } from '@nestjs/common';
import { KEYCARD_CONFIG } from '../keycard.constants.js';

/** Injects the resolved `KeycardConfig`: `constructor(@InjectKeycardConfig() config: KeycardConfig)`. */
export const InjectKeycardConfig = (): ParameterDecorator & PropertyDecorator => Inject(KEYCARD_CONFIG);
