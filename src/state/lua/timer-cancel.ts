// Drops timers whether due or in flight; a timer already handed to a claimer may still be delivered once.
export const TIMER_CANCEL_LUA = `--[[ percolatorTimerCancel (src/state/lua/timer-cancel.ts): drop timers of one shard, due or in flight.
KEYS[1]  <prefix>:timers:{<shard>}           zset: timer id scored by due time (ms)
KEYS[2]  <prefix>:timers:{<shard>}:inflight  zset: timer id scored by lease end (ms)
KEYS[3]  <prefix>:timers:{<shard>}:data      hash: timer id -> record
ARGV     timer ids
Returns: how many timers existed and were removed.
]]
local removed = 0
for _, id in ipairs(ARGV) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  removed = removed + redis.call('HDEL', KEYS[3], id)
end
return removed
`;
