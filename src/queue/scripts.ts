/**
 * Lua scripts that keep a campaign's counters and state consistent with its outcomes, whatever the number of
 * workers: an outcome is recorded once (a re-run of a row never counts twice), and the last outcome finishes it.
 */

/** Shared tail: finish the campaign when every row has an outcome and every row was queued. */
const FINISH_IF_DONE = `
local function finish_if_done(campaign, active, id, now)
  local fields = redis.call('hmget', campaign, 'done', 'rows', 'enqueued', 'state')
  if tonumber(fields[1] or '0') >= tonumber(fields[2] or '0') and fields[3] == '1' then
    if fields[4] ~= 'cancelled' then redis.call('hset', campaign, 'state', 'finished') end
    if not redis.call('hget', campaign, 'finishedAt') then redis.call('hset', campaign, 'finishedAt', now) end
    redis.call('srem', active, id)
    return 1
  end
  return 0
end
`;

/**
 * Pauses a running campaign whose failure share passed the threshold after a minimum of final rows
 * (like an abort criterion): burning through a campaign that fails is worse than stopping to look.
 */
const PAUSE_IF_FAILING = `
local function pause_if_failing(campaign, ratio, minimum)
  local fields = redis.call('hmget', campaign, 'failed', 'done', 'state')
  local failed = tonumber(fields[1] or '0')
  local done = tonumber(fields[2] or '0')
  if minimum > 0 and done >= minimum and failed > ratio * done and (fields[3] == 'running' or fields[3] == 'enqueuing') then
    local share = math.floor(failed * 100 / done)
    redis.call('hset', campaign, 'state', 'paused', 'pausedReason',
      'failure share ' .. share .. '% over ' .. math.floor(ratio * 100) .. '% after ' .. done .. ' rows')
  end
end
`;

/**
 * KEYS: campaign, outcomes, active. ARGV: id, now, failure ratio, minimum rows (0 = never pause), then
 * (row, status, encoded outcome) triples. Returns rows newly recorded.
 */
export const RECORD_OUTCOMES = `${FINISH_IF_DONE}${PAUSE_IF_FAILING}
local recorded = 0
for i = 5, #ARGV, 3 do
  if redis.call('hsetnx', KEYS[2], ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('hincrby', KEYS[1], ARGV[i + 1], 1)
    recorded = recorded + 1
  end
end
if recorded > 0 then
  redis.call('hincrby', KEYS[1], 'done', recorded)
  if finish_if_done(KEYS[1], KEYS[3], ARGV[1], ARGV[2]) == 0 then
    pause_if_failing(KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4]))
  end
end
return recorded
`;

/** KEYS: campaign, active. ARGV: id, now, chunks. */
export const MARK_ENQUEUED = `${FINISH_IF_DONE}
redis.call('hset', KEYS[1], 'enqueued', '1', 'chunks', ARGV[3])
if redis.call('hget', KEYS[1], 'state') == 'enqueuing' then redis.call('hset', KEYS[1], 'state', 'running') end
return finish_if_done(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
`;

/**
 * KEYS: campaign. ARGV: command (pause | resume | cancel | autopause), reason.
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
elseif command == 'resume' then
  local next = 'running'
  if redis.call('hget', KEYS[1], 'enqueued') ~= '1' then next = 'enqueuing' end
  redis.call('hset', KEYS[1], 'state', next, 'pausedReason', '')
  return next
elseif command == 'cancel' then
  redis.call('hset', KEYS[1], 'state', 'cancelled', 'pausedReason', '')
  return 'cancelled'
end
return redis.error_reply('UNKNOWN_COMMAND')
`;

/**
 * KEYS: campaign, outcomes, active. ARGV: id, then row numbers. Deletes the outcomes of the given rows that are
 * still `failed`, takes them off the counters, sets the campaign running again and bumps its retry counter.
 * Returns { retry counter, rows whose outcome was deleted… }, or an error reply naming a state that forbids it.
 */
export const RETRY_FAILED = `
local state = redis.call('hget', KEYS[1], 'state')
if not state then return redis.error_reply('NOT_FOUND') end
if state ~= 'finished' and state ~= 'paused' and state ~= 'running' then return redis.error_reply('STATE ' .. state) end
local removed = {}
for i = 2, #ARGV do
  local outcome = redis.call('hget', KEYS[2], ARGV[i])
  if outcome and string.sub(outcome, 1, 7) == 'failed\t' then
    redis.call('hdel', KEYS[2], ARGV[i])
    removed[#removed + 1] = ARGV[i]
  end
end
local retry = redis.call('hincrby', KEYS[1], 'retries', 1)
if #removed > 0 then
  redis.call('hincrby', KEYS[1], 'failed', -#removed)
  redis.call('hincrby', KEYS[1], 'done', -#removed)
  redis.call('hset', KEYS[1], 'state', 'running', 'pausedReason', '')
  redis.call('hdel', KEYS[1], 'finishedAt')
  redis.call('sadd', KEYS[3], ARGV[1])
end
table.insert(removed, 1, retry)
return removed
`;
