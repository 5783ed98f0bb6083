// The one atomic step of one execution (DESIGN §2): fencing, duplicate-input refusal, new state, outbox.
export const TRANSITION_LUA = `--[[ percolatorTransition (src/state/lua/transition.ts): one atomic step of one execution.
KEYS[1]   <prefix>:{<executionId>}:state   hash: v = version, s = state, i = digests of recent inputs
KEYS[2]   <prefix>:{<executionId>}:outbox  hash: "<version>-<n>" -> framed Kafka record
ARGV[1]   the version the caller loaded; 0 = a new execution
ARGV[2]   the input id; a redelivered input carries the same id
ARGV[3]   the new state, opaque
ARGV[4]   expiry in ms: > 0 = the execution finished, both keys expire after it; 0 = in flight, no expiry
ARGV[5]   how many recent input digests to remember (older ones are dropped; the core rejects their
          inputs as stale anyway)
ARGV[6..] framed outbox records to append, in order
Returns:
  { 1, newVersion }                    applied
  {-1, storedVersion }                 version conflict, nothing written (0 = no such execution)
  {-2, storedVersion, id, record, ...} input applied before, nothing written; the outbox as it stands
The duplicate check comes first: an input that already took effect is answered as such whatever version
the caller loaded, so the caller re-publishes the outbox instead of re-routing.
]]
local DIGEST = 16
local stored = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
local ring = redis.call('HGET', KEYS[1], 'i') or ''
-- 64 bits of SHA-1 per input: fixed size whatever the id length, collisions negligible among a few dozen.
local digest = string.sub(redis.sha1hex(ARGV[2]), 1, DIGEST)

for at = 1, #ring, DIGEST do
  if string.sub(ring, at, at + DIGEST - 1) == digest then
    local reply = { -2, stored }
    local outbox = redis.call('HGETALL', KEYS[2])
    for n = 1, #outbox do
      reply[#reply + 1] = outbox[n]
    end
    return reply
  end
end

if stored ~= tonumber(ARGV[1]) then
  return { -1, stored }
end

local version = stored + 1
ring = ring .. digest
local keep = tonumber(ARGV[5]) * DIGEST
if #ring > keep then
  ring = string.sub(ring, #ring - keep + 1)
end
redis.call('HSET', KEYS[1], 'v', version, 's', ARGV[3], 'i', ring)
for n = 6, #ARGV do
  redis.call('HSET', KEYS[2], version .. '-' .. (n - 6), ARGV[n])
end

local expiry = tonumber(ARGV[4])
if expiry > 0 then
  redis.call('PEXPIRE', KEYS[1], expiry)
  redis.call('PEXPIRE', KEYS[2], expiry)
else
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
return { 1, version }
`;
