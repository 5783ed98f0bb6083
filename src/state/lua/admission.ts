// MAX_CONCURRENT_WORKFLOWS: a set of admitted executions and a FIFO of parked starts, changed atomically.
export const ADMIT_LUA = `--[[ percolatorAdmit (src/state/lua/admission.ts): admit a start, or park it behind the ones already waiting.
KEYS[1]  <prefix>:admission:{a}:inflight  set of admitted execution ids
KEYS[2]  <prefix>:admission:{a}:queue     list of parked execution ids, oldest first
KEYS[3]  <prefix>:admission:{a}:parked    hash: execution id -> the start record to re-inject
ARGV[1]  execution id   ARGV[2]  the limit (0: park it whatever the room, as recovery re-parks)   ARGV[3]  the start record (bytes)
Returns: 1 admitted (also when it already was), 0 parked (also when it already was)
]]
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
-- Order is kept: while anyone waits, a newcomer waits too.
if redis.call('LLEN', KEYS[2]) == 0 and redis.call('SCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('SADD', KEYS[1], ARGV[1])
  return 1
end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return 0
`;

export const RELEASE_LUA = `--[[ percolatorRelease (src/state/lua/admission.ts): free slots and admit parked starts in order while there is room.
KEYS     as in percolatorAdmit
ARGV[1]  the limit   ARGV[2..]  execution ids whose slots are freed (none: only fill free room)
Returns: a flat list id1, record1, id2, record2, ... of newly admitted starts to re-inject. Their records stay
         parked until the start is applied (forget), so a crash before re-injection loses nothing.
]]
for i = 2, #ARGV do redis.call('SREM', KEYS[1], ARGV[i]) end
local admitted = {}
while redis.call('SCARD', KEYS[1]) < tonumber(ARGV[1]) do
  local id = redis.call('LPOP', KEYS[2])
  if not id then break end
  local record = redis.call('HGET', KEYS[3], id)
  -- No record: the start was forgotten (it began through another copy, which holds its own slot); taking a slot
  -- for it here would keep one taken for good once it finishes.
  if record then
    redis.call('SADD', KEYS[1], id)
    admitted[#admitted + 1] = id
    admitted[#admitted + 1] = record
  end
end
return admitted
`;

export const WITHDRAW_LUA = `--[[ percolatorWithdraw (src/state/lua/admission.ts): take back a start that has not begun running (cancelled while it waited).
KEYS     as in percolatorAdmit
ARGV[1]  execution id
Returns: the parked start record, or nil when none is parked. The start leaves the queue (and gives up its slot
         if it was admitted but not yet re-injected); its record stays until the caller has recorded the
         execution as cancelled and calls forget, so a crash in between loses nothing: the redelivered cancel
         withdraws again.
]]
local record = redis.call('HGET', KEYS[3], ARGV[1])
if not record then return nil end
redis.call('LREM', KEYS[2], 0, ARGV[1])
redis.call('SREM', KEYS[1], ARGV[1])
return record
`;
