import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { KeycardModuleOptions } from './config/keycard-options.interface.js';

export const {
  ConfigurableModuleClass: KeycardConfigurableModule,
  MODULE_OPTIONS_TOKEN: KEYCARD_MODULE_OPTIONS,
  OPTIONS_TYPE: KEYCARD_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: KEYCARD_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<KeycardModuleOptions>({ moduleName: 'Keycard' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
