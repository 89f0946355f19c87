import { DynamicModule, InjectionToken, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';

const KEY = 'flotilla';

@Module({})
class ServiceConfigModule {}

/**
 * An app's configuration as the global provider `token`. Unless one is given (tests and tools build their own),
 * @nestjs/config reads the environment and validates it with `parse`, the app's schema, which lists every problem at
 * once: a bad or missing variable stops start-up with all of them (`runMain` prints them and exits 1).
 */
export function serviceConfigModule<T>(
  token: InjectionToken,
  parse: (env: NodeJS.ProcessEnv) => T,
  given?: T,
): DynamicModule {
  return {
    module: ServiceConfigModule,
    global: true,
    imports: given
      ? []
      : [
          ConfigModule.forRoot({
            ignoreEnvFile: true,
            validate: (env) => ({ [KEY]: parse(env as NodeJS.ProcessEnv) }),
          }),
        ],
    providers: [
      given
        ? { provide: token, useValue: given }
        : { provide: token, inject: [ConfigService], useFactory: (config: ConfigService) => config.get<T>(KEY) },
    ],
    exports: [token],
  };
}
