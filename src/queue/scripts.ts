import { failureClassExceptions } from '../pub/retry-table.js';
import { ABORT_CLASSES } from './abort-rules.js';

/**
 * Lua scripts that keep a campaign's counters and state consistent with its outcomes, whatever the number of
 * workers: an outcome is recorded once (a re-run of a row never counts twice), and the last outcome finishes it.
 */

/**
 * Shared tail: finish the campaign when every row has an outcome and every row was queued; returns 1 when it is
 * finished. The caller then takes it off the active set, which lives in another hash slot (src/queue/keys.ts).
 */
const FINISH_IF_DONE = `
local function finish_if_done(campaign, now)
  local fields = redis.call('hmget', campaign, 'done', 'rows', 'enqueued', 'state')
  if tonumber(fields[1] or '0') >= tonumber(fields[2] or '0') and fields[3] == '1' then
    if fields[4] ~= 'cancelled' then redis.call('hset', campaign, 'state', 'finished') end
    if not redis.call('hget', campaign, 'finishedAt') then redis.call('hset', campaign, 'finishedAt', now) end
    return 1
  end
  return 0
end
`;

/** A Lua table of the Codes whose failure class is not `rejected`, built from the retry table itself. */
const FAILURE_CLASSES = `
local FAILURE_CLASS = {${failureClassExceptions()
  .map(([code, failureClass]) => `[${luaString(code)}]=${luaString(failureClass)}`)
  .join(',')}}
local function field(text, n)
  local start = 1
  for _ = 1, n - 1 do
    local tab = string.find(text, '\t', start, true)
    if not tab then return '' end
    start = tab + 1
  end
  local stop = string.find(text, '\t', start, true)
  if stop then return string.sub(text, start, stop - 1) end
  return string.sub(text, start)
end
local function failure_class(encoded)
  local class = FAILURE_CLASS[field(encoded, 6)]
  if class == nil then return 'rejected' end
  return class
end
local function count_failure(campaign, encoded, step)
  local class = failure_class(encoded)
  if class ~= '' then redis.call('hincrby', campaign, 'fail:' .. class, step) end
end
`;

/**
 * Abort rules: the campaign's own (`abortRules`, `offline:20:200,…`), then the workers' failure-share rule unless
 * the campaign has a `failed` rule of its own. Counts are taken since the rules were last armed (`arm:*`, set by
 * resume), so a resumed campaign stops again only on new evidence. A rule that fires pauses the campaign (or
 * cancels it, with `abortAction` cancel) and is kept in `abortFired` with the counts it saw.
 */
const CHECK_ABORT = `
local function since_armed(campaign, class)
  local key = 'fail:' .. class
  if class == 'failed' then key = 'failed' end
  local now = tonumber(redis.call('hget', campaign, key) or '0') or 0
  local base = tonumber(redis.call('hget', campaign, 'arm:' .. class) or '0') or 0
  return math.max(0, now - base)
end
local function fire(campaign, action, rule, seen, final, reason)
  local fired = rule .. ':' .. seen .. ':' .. final
  if action == 'cancel' then
    redis.call('hset', campaign, 'state', 'cancelled', 'pausedReason', '', 'abortFired', fired)
    return 'cancelled'
  end
  redis.call('hset', campaign, 'state', 'paused', 'pausedReason', reason, 'abortFired', fired)
  return 'paused'
end
local function check_abort(campaign, ratio, minimum)
  local f = redis.call('hmget', campaign, 'state', 'done', 'abortRules', 'abortAction', 'arm:done')
  if f[1] ~= 'running' and f[1] ~= 'enqueuing' then return '' end
  local final = math.max(0, (tonumber(f[2] or '0') or 0) - (tonumber(f[5] or '0') or 0))
  if final == 0 then return '' end
  local own_failed = false
  for class, percent, min in string.gmatch(f[3] or '', '([%a%-]+):([%d%.]+):(%d+)') do
    if class == 'failed' then own_failed = true end
    local seen = since_armed(campaign, class)
    if final >= tonumber(min) and seen * 100 > tonumber(percent) * final then
      local rule = class .. ':' .. percent .. ':' .. min
      local reason = 'abort rule ' .. rule .. ' fired: ' .. seen .. ' of ' .. final .. ' final rows (' .. math.floor(seen * 100 / final) .. '%)'
      return fire(campaign, f[4] or 'pause', rule, seen, final, reason)
    end
  end
  if own_failed or minimum <= 0 or final < minimum then return '' end
  local failed = since_armed(campaign, 'failed')
  if failed <= ratio * final then return '' end
  local reason = 'failure share ' .. math.floor(failed * 100 / final) .. '% over ' .. math.floor(ratio * 100) .. '% after ' .. final .. ' rows'
  return fire(campaign, 'pause', 'failed:' .. (ratio * 100) .. ':' .. minimum, failed, final, reason)
end
`;

/**
 * Once every row of the canary is final, the canary stage ends: a sending campaign holds in state `canary` (a
 * campaign paused or cancelled meanwhile stays so); `canaryHeldAt` starts the soak.
 */
const HOLD_IF_CANARY_DONE = `
local function hold_if_canary_done(campaign, done, now)
  if done < tonumber(redis.call('hget', campaign, 'canaryRows') or '0') then return end
  redis.call('hset', campaign, 'stage', 'hold', 'canaryHeldAt', now)
  local state = redis.call('hget', campaign, 'state')
  if state == 'running' or state == 'enqueuing' then redis.call('hset', campaign, 'state', 'canary') end
end
`;

/**
 * KEYS: campaign, outcomes. ARGV: id, now, failure ratio, minimum rows (0 = never pause), then
 * (row, status, encoded outcome, API) quadruples; sent rows of API `BatchPub` also count in `sentBatchPub`. Returns { rows newly recorded, state an abort rule set or '', 1 when the
 * campaign is finished now }.
 */
export const RECORD_OUTCOMES = `${FINISH_IF_DONE}${FAILURE_CLASSES}${CHECK_ABORT}${HOLD_IF_CANARY_DONE}
local recorded = 0
local canary = redis.call('hmget', KEYS[1], 'stage', 'canaryLastRow')
local canary_last = nil
if canary[1] == 'canary' then canary_last = tonumber(canary[2] or '') end
local canary_new = 0
for i = 5, #ARGV, 4 do
  if redis.call('hsetnx', KEYS[2], ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('hincrby', KEYS[1], ARGV[i + 1], 1)
    if ARGV[i + 3] == 'BatchPub' and ARGV[i + 1] == 'sent' then redis.call('hincrby', KEYS[1], 'sentBatchPub', 1) end
    if ARGV[i + 1] == 'failed' then count_failure(KEYS[1], ARGV[i + 2], 1) end
    recorded = recorded + 1
    if canary[1] == 'canary' and (canary_last == nil or tonumber(ARGV[i]) <= canary_last) then canary_new = canary_new + 1 end
  end
end
local fired = ''
local finished = 0
if recorded > 0 then
  redis.call('hincrby', KEYS[1], 'done', recorded)
  finished = finish_if_done(KEYS[1], ARGV[2])
  if finished == 0 then
    fired = check_abort(KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4]))
  end
end
-- After the abort rules: a canary whose last rows crossed a rule stops by the rule, not in the hold.
if canary_new > 0 then hold_if_canary_done(KEYS[1], redis.call('hincrby', KEYS[1], 'canaryDone', canary_new), ARGV[2]) end
return {recorded, fired, finished}
`;

/** KEYS: campaign. ARGV: id, now, chunks. Returns 1 when the campaign is finished now. */
export const MARK_ENQUEUED = `${FINISH_IF_DONE}
redis.call('hset', KEYS[1], 'enqueued', '1', 'chunks', ARGV[3])
if redis.call('hget', KEYS[1], 'state') == 'enqueuing' then redis.call('hset', KEYS[1], 'state', 'running') end
return finish_if_done(KEYS[1], ARGV[2])
`;

/**
 * KEYS: campaign. ARGV: command (pause | resume | cancel | autopause | soaked), reason. `soaked` resumes only a
 * campaign still holding in state `canary`.
 * Returns the new state, or an error reply naming the state that forbids the command.
 */
export const CONTROL = `
local state = redis.call('hget', KEYS[1], 'state')
if not state then return redis.error_reply('NOT_FOUND') end
local command = ARGV[1]
if state == 'finished' or state == 'cancelled' then return redis.error_reply('STATE ' .. state) end
if command == 'pause' or command == 'autopause' then
  if state == 'paused' then return state end
  redis.call('hset', KEYS[1], 'state', 'paused', 'pausedReason', ARGV[2])
  return 'paused'
elseif command == 'resume' or command == 'soaked' then
  if command == 'soaked' and state ~= 'canary' then return state end
  -- After the canary's hold, every row may go.
  if redis.call('hget', KEYS[1], 'stage') == 'hold' then redis.call('hset', KEYS[1], 'stage', 'all') end
  local next = 'running'
  if redis.call('hget', KEYS[1], 'enqueued') ~= '1' then next = 'enqueuing' end
  if state == 'paused' and (redis.call('hget', KEYS[1], 'abortFired') or '') ~= '' then
    -- Re-arm the abort rules: from here on they judge only rows that become final after this resume.
    for _, class in ipairs({${ABORT_CLASSES.map(luaString).join(', ')}}) do
      local key = 'fail:' .. class
      if class == 'failed' then key = 'failed' end
      redis.call('hset', KEYS[1], 'arm:' .. class, redis.call('hget', KEYS[1], key) or '0')
    end
    redis.call('hset', KEYS[1], 'arm:done', redis.call('hget', KEYS[1], 'done') or '0', 'abortFired', '')
  end
  redis.call('hset', KEYS[1], 'state', next, 'pausedReason', '')
  return next
elseif command == 'cancel' then
  redis.call('hset', KEYS[1], 'state', 'cancelled', 'pausedReason', '')
  return 'cancelled'
end
return redis.error_reply('UNKNOWN_COMMAND')
`;

/**
 * KEYS: campaign, outcomes. ARGV: id, then row numbers. Deletes the outcomes of the given rows that are
 * still `failed`, takes them off the counters, sets the campaign running again and bumps its retry counter (the
 * caller puts it back on the active set, in another hash slot).
 * Returns { retry counter, rows whose outcome was deleted… }, or an error reply naming a state that forbids it.
 */
export const RETRY_FAILED = `${FAILURE_CLASSES}
local state = redis.call('hget', KEYS[1], 'state')
if not state then return redis.error_reply('NOT_FOUND') end
if state ~= 'finished' and state ~= 'paused' and state ~= 'running' then return redis.error_reply('STATE ' .. state) end
local removed = {}
for i = 2, #ARGV do
  local outcome = redis.call('hget', KEYS[2], ARGV[i])
  if outcome and string.sub(outcome, 1, 7) == 'failed\t' then
    redis.call('hdel', KEYS[2], ARGV[i])
    count_failure(KEYS[1], outcome, -1)
    removed[#removed + 1] = ARGV[i]
  end
end
local retry = redis.call('hincrby', KEYS[1], 'retries', 1)
if #removed > 0 then
  redis.call('hincrby', KEYS[1], 'failed', -#removed)
  redis.call('hincrby', KEYS[1], 'done', -#removed)
  redis.call('hset', KEYS[1], 'state', 'running', 'pausedReason', '')
  redis.call('hdel', KEYS[1], 'finishedAt')
end
table.insert(removed, 1, retry)
return removed
`;

/** A Lua string literal; Codes hold only printable ASCII, but quotes and backslashes are escaped all the same. */
function luaString(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
