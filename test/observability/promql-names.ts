/** PromQL words that look like identifiers but are not metric names. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects. Enough of PromQL for dashboards and rules: strings, label
 * matchers, ranges, grouping clauses, numbers and function calls are set aside, and what remains are names.
 */
export function metricNamesOf(expr: string): Set<string> {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+-?[\w$]+/g, ' ')
    .replace(/(?<![\w:])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w:])/gi, ' ');
  const names = new Set<string>();
  for (const match of text.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const after = text.slice((match.index ?? 0) + name.length);
    if (KEYWORDS.has(name.toLowerCase()) || /^\s*\(/.test(after)) continue;
    names.add(name);
  }
  return names;
}

/** The family a sample name belongs to: histogram and summary series carry a suffix. */
export function familyOf(name: string, families: ReadonlySet<string>): string {
  if (families.has(name)) return name;
  const base = name.replace(/_(?:bucket|sum|count)$/, '');
  return families.has(base) ? base : name;
}

/** Metric families from Prometheus text: every `# TYPE name kind` line. */
export function typedFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (match[1] !== undefined && match[2] !== undefined) families.set(match[1], match[2]);
  }
  return families;
}
