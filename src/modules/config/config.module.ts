import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: HERALD_CONFIG, useValue: config }], exports: [HERALD_CONFIG] };
  }
}
