import { FleetcastError } from '../errors/fleetcast-error.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;

/** The `--name` of a recurring schedule: each of its firings' campaigns is named `<name>-<firing time>`. */
export function requireScheduleName(name: string | undefined): string {
  if (name === undefined) throw new FleetcastError('FC_BAD_USAGE', '--cron needs --name: the schedule is known by it, and each run is named NAME-<time>');
  if (!NAME.test(name)) throw new FleetcastError('FC_BAD_USAGE', `schedule name "${name}" must be 1 to 48 letters, digits, '.', '_' or '-'`);
  return name;
}
