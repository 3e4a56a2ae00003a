export { loadConfig, readEnvironment, describeConfig, ConfigError, type Config } from './load.ts';
export { configSchema, secretKeys, type ConfigKey } from './schema.ts';
