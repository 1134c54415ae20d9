import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/codes.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's table of fleetcast's own errors: code → exit code. */
function documentedCodes(): Record<string, number> {
  const rows = README.matchAll(/^\| `(FC_[A-Z_]+)` \| (\d) \|/gm);
  return Object.fromEntries([...rows].map(([, code, exit]) => [code ?? '', Number(exit)]));
}

describe("fleetcast's own error codes", () => {
  it('are exactly the ones the README documents, with the same exit codes', () => {
    const inCode = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, { exit }]) => [code, exit]));
    expect(documentedCodes()).toEqual(inCode);
  });

  it('are each used somewhere outside their table', () => {
    const used = execFileSync('grep', ['-rhoE', 'FC_[A-Z_]+', 'src', '--exclude=codes.ts'], { encoding: 'utf8', cwd: new URL('../..', import.meta.url) });
    const usedCodes = new Set(used.split('\n'));
    expect(Object.keys(ERROR_CODES).filter((code) => !usedCodes.has(code))).toEqual([]);
  });
});
