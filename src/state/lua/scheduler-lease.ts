// The scheduler's lease (src/triggers/scheduler/scheduler-lease.ts): one holder at a time, fenced by an epoch.
export const LEASE_HOLD_LUA = `--[[ percolatorLeaseHold (src/state/lua/scheduler-lease.ts): renew the lease, or take it when free.
KEYS[1]  <prefix>:{scheduler}:lease  string "<epoch>:<instance token>", expiring after the TTL
KEYS[2]  <prefix>:{scheduler}:epoch  counter, incremented at every acquisition
ARGV[1]  the caller's instance token (no ':')
ARGV[2]  TTL in ms
Returns: the lease value when the caller holds the lease after the call (renewed or newly acquired);
         nil when another instance holds it.
]]
local current = redis.call('GET', KEYS[1])
if current then
  local sep = string.find(current, ':', 1, true)
  if sep and string.sub(current, sep + 1) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return current
  end
  return false
end
local value = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return value
`;

export const LEASE_COMMIT_LUA = `--[[ percolatorLeaseCommit (src/state/lua/scheduler-lease.ts): record fired ticks, fenced by the lease.
KEYS[1]  <prefix>:{scheduler}:lease  as in percolatorLeaseHold
KEYS[2]  <prefix>:{scheduler}:last   hash: trigger id -> last fired tick (ms)
ARGV[1]  the lease value the caller holds
ARGV[2..] pairs: trigger id, tick (ms)
Returns: 1 written (a tick never moves back: an older one is ignored), 0 the lease is no longer the
         caller's and nothing was written.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do
  local current = redis.call('HGET', KEYS[2], ARGV[i])
  if not current or tonumber(current) < tonumber(ARGV[i + 1]) then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
end
return 1
`;

export const LEASE_RELEASE_LUA = `--[[ percolatorLeaseRelease (src/state/lua/scheduler-lease.ts): give the lease up.
KEYS[1]  <prefix>:{scheduler}:lease  as in percolatorLeaseHold
ARGV[1]  the lease value the caller holds
Returns: 1 released, 0 it was not the caller's (expired or taken over) and is left alone.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
