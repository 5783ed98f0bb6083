// Adds timers to one shard; a timer id that is already scheduled or in flight keeps its first schedule.
export const TIMER_SCHEDULE_LUA = `--[[ percolatorTimerSchedule (src/state/lua/timer-schedule.ts): add timers to one shard, idempotently.
KEYS[1]  <prefix>:timers:{<shard>}           zset: timer id scored by due time (ms)
KEYS[2]  <prefix>:timers:{<shard>}:inflight  zset: timer id scored by lease end (ms)
KEYS[3]  <prefix>:timers:{<shard>}:data      hash: timer id -> "<deliveries>\\n<dueAt>\\n<executionId>\\n<payload>"
ARGV     triples: timer id, due time (ms), record with deliveries 0
Returns: how many timers were new. An id present in the data hash (due or in flight) is left untouched.
]]
local added = 0
for n = 1, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[3], ARGV[n], ARGV[n + 2]) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[n + 1], ARGV[n])
    added = added + 1
  end
end
return added
`;
