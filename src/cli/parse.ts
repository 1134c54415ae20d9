import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that reject bad values with a message naming the value. */
export function positiveInt(name: string, min = 1, max = 1_000_000) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
    }
    return parsed;
  };
}

export function positiveNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max} (got "${value}")`);
    }
    return parsed;
  };
}
