/**
 * Campaign files (CSV, JSON, NDJSON): streamed, validated row by row, and resolved into Pub messages.
 */
export type { CampaignFormat } from './format.js';
export type { RowError, RowErrorCode } from './row-errors.js';
export { ROW_ERROR_CODES, CampaignFileError, describeRowError } from './row-errors.js';
export type { RowResult } from './validate-row.js';
export type { ReadCampaignOptions } from './read-campaign.js';
export { readCampaign } from './read-campaign.js';
export type { CampaignSummary, ValidateCampaignOptions } from './validate-campaign.js';
export { validateCampaign } from './validate-campaign.js';
export { readCampaignName } from './read-campaign-name.js';
export { CAMPAIGN_FIELDS, type CampaignField } from './fields.js';
