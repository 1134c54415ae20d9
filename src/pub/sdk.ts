import IotModule from '@alicloud/iot20180120';
import type OpenApiModule from '@alicloud/openapi-client';
import { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import { RuntimeOptions } from '@alicloud/tea-util';

/** The CommonJS SDK's classes sit on `.default` under Node's ESM loader, and are the default under vitest. */
function interopDefault<T>(module: { default: T }): T {
  return (module as { default?: T }).default ?? (module as unknown as T);
}

export const IotClient = interopDefault(IotModule);
export type IotClientInstance = InstanceType<typeof IotModule.default>;
export type OpenApiClient = InstanceType<typeof OpenApiModule.default>;
export { Config, OpenApiRequest, Params, RuntimeOptions };
