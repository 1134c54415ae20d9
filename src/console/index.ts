export { consoleAuthFrom } from './access.js';
export { CONSOLE_VIEWS, type CampaignSummary, type ConsoleViews } from './campaign-summary.js';
export { startConsole, type ConsoleOptions, type RunningConsole } from './console-server.js';
