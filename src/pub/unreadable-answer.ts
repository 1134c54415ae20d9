import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';

/** An HTTP error answer whose body the SDK could not read as JSON: empty, HTML from a proxy, cut short. */
export class UnreadableAnswerError extends SyntaxError {
  override readonly name = 'UnreadableAnswerError';

  constructor(
    readonly httpStatus: number | undefined,
    readonly contentType: string | undefined,
    readonly bodyLength: number,
  ) {
    super(`HTTP ${String(httpStatus)} answer is not JSON`);
  }
}

interface TeaUtil {
  readAsString(stream: unknown): Promise<string>;
  parseJSON(text: string): unknown;
  readAsJSON(stream: unknown): Promise<unknown>;
  [patched]?: true;
}

const patched = Symbol('fleetcast.unreadableAnswer');

/**
 * The SDK reads the body of every HTTP 4xx/5xx answer as JSON and, when it is not, throws a bare `SyntaxError` that
 * has lost the HTTP status. This keeps the status (the stream it reads is the response itself) in the error instead.
 */
export function keepStatusOfUnreadableAnswers(): void {
  const util = sdkTeaUtil();
  if (util[patched] === true) return;
  util.readAsJSON = async (stream) => {
    const text = await util.readAsString(stream);
    try {
      return util.parseJSON(text);
    } catch {
      const response = stream as Partial<IncomingMessage>;
      const contentType = response.headers?.['content-type'];
      throw new UnreadableAnswerError(response.statusCode, contentType, text.length);
    }
  };
  util[patched] = true;
}

/** tea-util as `@alicloud/openapi-client` loads it (it may hold a copy of its own). */
function sdkTeaUtil(): TeaUtil {
  const fromHere = createRequire(import.meta.url);
  const openApiClient = fromHere.resolve('@alicloud/openapi-client');
  const module = createRequire(openApiClient)('@alicloud/tea-util') as { default?: TeaUtil } & TeaUtil;
  return module.default ?? module;
}
