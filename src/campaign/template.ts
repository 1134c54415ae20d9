/**
 * `{{Name}}` placeholders in MessageContent. A name is letters, digits and `_ . : @ -` (so
 * `{{UserProp.region}}` works); spaces inside the braces are ignored. Braces that do not form a
 * placeholder stay as they are. There is no escape: a payload that must contain a literal `{{Name}}`
 * goes in MessageContentBase64.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.:@-]+)\s*\}\}/g;
const CACHE_LIMIT = 1_000;

/** A parsed template: `literals` interleaves with `names` (literals.length === names.length + 1). */
export interface Template {
  readonly literals: readonly string[];
  readonly names: readonly string[];
}

export function parseTemplate(text: string): Template {
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    literals.push(text.slice(last, match.index));
    names.push(match[1] ?? '');
    last = match.index + match[0].length;
  }
  literals.push(text.slice(last));
  return { literals, names };
}

/** Where a template's values come from: undefined for a name without value (the caller reports it). */
export interface PlaceholderValues {
  placeholderValue(name: string): string | undefined;
}

export function renderTemplate(template: Template, values: PlaceholderValues): string | { missing: string[] } {
  let out = template.literals[0] ?? '';
  let missing: string[] | undefined;
  for (let i = 0; i < template.names.length; i++) {
    const name = template.names[i] ?? '';
    const value = values.placeholderValue(name);
    if (value === undefined) (missing ??= []).push(name);
    else out += value + (template.literals[i + 1] ?? '');
  }
  return missing === undefined ? out : { missing };
}

/**
 * Parses each distinct MessageContent once. Texts without `{{` are not templates and are not cached,
 * so a campaign with a different literal payload per row does not fill the cache.
 */
export class TemplateCache {
  readonly #templates = new Map<string, Template>();
  /** Every placeholder name seen in any template so far. */
  readonly referencedNames = new Set<string>();

  /** The template of `text`, or undefined when the text has no placeholder. */
  get(text: string): Template | undefined {
    if (!text.includes('{{')) return undefined;
    let template = this.#templates.get(text);
    if (template === undefined) {
      template = parseTemplate(text);
      if (this.#templates.size >= CACHE_LIMIT) this.#templates.clear();
      this.#templates.set(text, template);
      for (const name of template.names) this.referencedNames.add(name);
    }
    return template.names.length === 0 ? undefined : template;
  }
}
