import { USER_PROP_PREFIX, isUserPropColumn } from './fields.js';
import { TemplateCache } from './template.js';

/** What every row of a campaign is validated against. */
export interface RowContext {
  /** Field defaults: the command line's, overridden by the file's (JSON "defaults"). */
  readonly defaults: ReadonlyMap<string, unknown>;
  /** User properties among the defaults, in order, as [key, value]. */
  readonly defaultUserProps: ReadonlyArray<readonly [string, unknown]>;
  /** Placeholder names used by the defaults' MessageContent. */
  readonly defaultPlaceholders: ReadonlySet<string>;
  readonly templates: TemplateCache;
}

function mergeDefaults(
  commandLine: Readonly<Record<string, string>> | undefined,
  file: ReadonlyMap<string, unknown> | undefined,
): Map<string, unknown> {
  const merged = new Map<string, unknown>();
  for (const [key, value] of Object.entries(commandLine ?? {})) if (value !== '') merged.set(key, value);
  for (const [key, value] of file ?? []) if (value !== '') merged.set(key, value);
  return merged;
}

export function createRowContext(
  commandLine: Readonly<Record<string, string>> | undefined,
  file: ReadonlyMap<string, unknown> | undefined,
): RowContext {
  const defaults = mergeDefaults(commandLine, file);
  const templates = new TemplateCache();
  const content = defaults.get('MessageContent');
  const template = typeof content === 'string' ? templates.get(content) : undefined;
  const defaultUserProps: [string, unknown][] = [];
  for (const [key, value] of defaults) if (isUserPropColumn(key)) defaultUserProps.push([key.slice(USER_PROP_PREFIX.length), value]);
  return { defaults, defaultUserProps, defaultPlaceholders: new Set(template?.names ?? []), templates };
}
