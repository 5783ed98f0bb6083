// Hands out due timers of one shard under a lease; the only place a timer moves from due to in flight.
export const TIMER_CLAIM_LUA = `--[[ percolatorTimerClaim (src/state/lua/timer-claim.ts): claim due timers of one shard under a lease.
KEYS[1]  <prefix>:timers:{<shard>}           zset: timer id scored by due time (ms)
KEYS[2]  <prefix>:timers:{<shard>}:inflight  zset: timer id scored by lease end (ms)
KEYS[3]  <prefix>:timers:{<shard>}:data      hash: timer id -> "<deliveries>\\n<dueAt>\\n<executionId>\\n<payload>"
ARGV[1]  now (ms), the caller's clock; the script never reads TIME, so claimers must agree on time to
         well within a lease
ARGV[2]  the most timers to claim
ARGV[3]  lease (ms)
Returns: flat list of timer id, record (deliveries already counted), ...
Timers whose lease ended (the claimer died before acking) are claimed again first, then due ones. Being
atomic per shard, two claimers never receive the same timer while its lease lasts.
]]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local leaseEnd = now + tonumber(ARGV[3])
local reply = {}

local function claim(ids)
  for _, id in ipairs(ids) do
    local record = redis.call('HGET', KEYS[3], id)
    if record then
      local cut = string.find(record, '\\n', 1, true)
      record = (tonumber(string.sub(record, 1, cut - 1)) + 1) .. string.sub(record, cut)
      redis.call('HSET', KEYS[3], id, record)
      redis.call('ZADD', KEYS[2], leaseEnd, id)
      reply[#reply + 1] = id
      reply[#reply + 1] = record
    else
      redis.call('ZREM', KEYS[2], id)
    end
  end
end

local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
claim(expired)
if #expired < limit then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit - #expired)
  for first = 1, #due, 500 do
    redis.call('ZREM', KEYS[1], unpack(due, first, math.min(first + 499, #due)))
  end
  claim(due)
end
return reply
`;
