// Forgets delivered timers: only ones that are in flight, so a late ack cannot drop a fresh schedule.
export const TIMER_ACK_LUA = `--[[ percolatorTimerAck (src/state/lua/timer-ack.ts): forget timers that were delivered.
KEYS[1]  <prefix>:timers:{<shard>}           zset: timer id scored by due time (ms)
KEYS[2]  <prefix>:timers:{<shard>}:inflight  zset: timer id scored by lease end (ms)
KEYS[3]  <prefix>:timers:{<shard>}:data      hash: timer id -> record
ARGV     timer ids
Returns: how many in-flight timers were removed. Ids that are not in flight (already acked, cancelled,
or never claimed) are left alone.
]]
local removed = 0
for _, id in ipairs(ARGV) do
  if redis.call('ZREM', KEYS[2], id) == 1 then
    redis.call('HDEL', KEYS[3], id)
    removed = removed + 1
  end
end
return removed
`;
