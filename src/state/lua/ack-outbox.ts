// Removes published outbox entries, and only those: entries appended meanwhile stay for the next publish.
export const ACK_OUTBOX_LUA = `--[[ percolatorAckOutbox (src/state/lua/ack-outbox.ts): remove published entries from one execution's outbox.
KEYS[1]  <prefix>:{<executionId>}:outbox  hash: "<version>-<n>" -> framed Kafka record
ARGV     ids of the entries that were published
Returns: the number of entries left (0 = the outbox is gone; Redis drops an empty hash)
]]
for first = 1, #ARGV, 500 do
  redis.call('HDEL', KEYS[1], unpack(ARGV, first, math.min(first + 499, #ARGV)))
end
return redis.call('HLEN', KEYS[1])
`;
