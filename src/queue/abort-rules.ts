import { FleetcastError } from '../errors/fleetcast-error.js';
import { FAILURE_CLASSES } from '../pub/retry-table.js';

/** The classes an abort rule can watch: `failed` (any final failure) and the failure classes of the retry table. */
export const ABORT_CLASSES = [...FAILURE_CLASSES, 'failed'] as const;
export type AbortClass = (typeof ABORT_CLASSES)[number];

export type AbortAction = 'pause' | 'cancel';

/** More than `percent` of at least `minimumRows` final rows ended in `abortClass`: take the campaign's abort action. */
export interface AbortRule {
  readonly abortClass: AbortClass;
  readonly percent: number;
  readonly minimumRows: number;
}

/** The rule that fired, with the counts it saw (since the campaign was last resumed). */
export interface FiredRule extends AbortRule {
  readonly matching: number;
  readonly final: number;
}

export const DEFAULT_ABORT_MIN_ROWS = 100;

/** Reads `CLASS:PERCENT[:MIN]`, e.g. `offline:20:200` or `not-found:5`. */
export function parseAbortRule(text: string): AbortRule {
  const [abortClass, percentText, minText, ...rest] = text.trim().split(':');
  const bad = (why: string): FleetcastError =>
    new FleetcastError('FC_BAD_USAGE', `--abort "${text}": ${why}; expected CLASS:PERCENT[:MIN], CLASS one of ${ABORT_CLASSES.join(', ')}`);
  if (!isAbortClass(abortClass)) throw bad(`unknown class "${abortClass ?? ''}"`);
  if (rest.length > 0 || percentText === undefined) throw bad('wrong number of parts');
  const percent = Number(percentText.replace(/%$/, ''));
  if (percentText.trim() === '' || !Number.isFinite(percent) || percent < 0 || percent >= 100) throw bad('PERCENT must be from 0 to below 100');
  const minimumRows = minText === undefined ? DEFAULT_ABORT_MIN_ROWS : Number(minText);
  if (!Number.isSafeInteger(minimumRows) || minimumRows < 1) throw bad('MIN must be a whole number of rows, at least 1');
  return { abortClass, percent, minimumRows };
}

export function parseAbortAction(text: string | undefined): AbortAction {
  if (text === undefined || text === 'pause') return 'pause';
  if (text === 'cancel') return 'cancel';
  throw new FleetcastError('FC_BAD_USAGE', `--abort-action must be pause or cancel (got "${text}")`);
}

function isAbortClass(value: string | undefined): value is AbortClass {
  return (ABORT_CLASSES as readonly string[]).includes(value ?? '');
}

/** `offline:20:200`, as the rule is written on the command line and stored. */
export function formatAbortRule(rule: AbortRule): string {
  return `${rule.abortClass}:${rule.percent}:${rule.minimumRows}`;
}

/** The stored list (`offline:20:200,failed:50:100`); parts that do not read as rules are left out. */
export function parseStoredRules(text: string | undefined): AbortRule[] {
  if (text === undefined || text === '') return [];
  const rules: AbortRule[] = [];
  for (const part of text.split(',')) {
    try {
      rules.push(parseAbortRule(part));
    } catch {
      // A rule written by a newer version: shown nowhere rather than misread.
    }
  }
  return rules;
}

/** The stored fired rule (`offline:20:200:62:200`: rule, then matching and final rows), or undefined. */
export function parseFiredRule(text: string | undefined): FiredRule | undefined {
  if (text === undefined || text === '') return undefined;
  const parts = text.split(':');
  const final = Number(parts.pop());
  const matching = Number(parts.pop());
  try {
    return { ...parseAbortRule(parts.join(':')), matching, final };
  } catch {
    return undefined;
  }
}

/** `abort rule offline:20:200 fired: 62 of 200 final rows (31%)`. */
export function firedText(fired: FiredRule): string {
  const share = fired.final === 0 ? 0 : Math.floor((fired.matching * 100) / fired.final);
  return `abort rule ${formatAbortRule(fired)} fired: ${fired.matching} of ${fired.final} final rows (${share}%)`;
}

/** A rule as `status --json` shows it, with the rows it judges now (those final since it was last armed). */
export interface AbortRuleView {
  readonly rule: string;
  readonly class: AbortClass;
  readonly percent: number;
  readonly minRows: number;
  readonly matching: number;
  readonly final: number;
}

/** The counts a campaign record holds, as the abort rules read them. */
export interface AbortCounts {
  readonly done: number;
  readonly failed: number;
  readonly failedByClass: Readonly<Record<Exclude<AbortClass, 'failed'>, number>>;
  readonly abortArmed: { readonly done: number; readonly byClass: Readonly<Record<AbortClass, number>> };
}

export function abortRuleView(rule: AbortRule, counts: AbortCounts): AbortRuleView {
  const total = rule.abortClass === 'failed' ? counts.failed : counts.failedByClass[rule.abortClass];
  return {
    rule: formatAbortRule(rule),
    class: rule.abortClass,
    percent: rule.percent,
    minRows: rule.minimumRows,
    matching: Math.max(0, total - counts.abortArmed.byClass[rule.abortClass]),
    final: Math.max(0, counts.done - counts.abortArmed.done),
  };
}
