/**
 * The library functions commands call, loaded when a command runs rather than when the CLI starts: BullMQ, the
 * SDK and their dependencies took most of a second to load, which every `fleetcast --help` paid.
 */
import type * as ProducerModule from '../queue/producer.js';
import type * as RetryFailedModule from '../queue/retry-failed.js';
import type * as ReportModule from '../report/report.js';
import type * as RecurringModule from '../scheduler/recurring.js';

type Producer = typeof ProducerModule;
type Report = typeof ReportModule;
type Recurring = typeof RecurringModule;
type RetryFailed = typeof RetryFailedModule;

export async function submitCampaign(...args: Parameters<Producer['submitCampaign']>): ReturnType<Producer['submitCampaign']> {
  return (await import('../queue/producer.js')).submitCampaign(...args);
}

export async function writeReport(...args: Parameters<Report['writeReport']>): ReturnType<Report['writeReport']> {
  return (await import('../report/report.js')).writeReport(...args);
}

export async function createSchedule(...args: Parameters<Recurring['createSchedule']>): ReturnType<Recurring['createSchedule']> {
  return (await import('../scheduler/recurring.js')).createSchedule(...args);
}

export async function listSchedules(...args: Parameters<Recurring['listSchedules']>): ReturnType<Recurring['listSchedules']> {
  return (await import('../scheduler/recurring.js')).listSchedules(...args);
}

export async function removeSchedule(...args: Parameters<Recurring['removeSchedule']>): ReturnType<Recurring['removeSchedule']> {
  return (await import('../scheduler/recurring.js')).removeSchedule(...args);
}

export async function retryFailed(...args: Parameters<RetryFailed['retryFailed']>): ReturnType<RetryFailed['retryFailed']> {
  return (await import('../queue/retry-failed.js')).retryFailed(...args);
}
