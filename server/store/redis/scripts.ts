// The Lua scripts of the Redis store. Single-key scripts are safe in every topology; the
// standalone ones touch several keys (some found inside the data, in other slots), which only a
// standalone or Sentinel-managed server accepts (see topology.ts).
//
// A record's hash keeps, beside its payload, the keys that list it: uidIndex, userCodeIndex,
// grantIndex and ownerIndexes (owner keys joined by a newline), so it can be removed from all of
// them without parsing its JSON.
import { luaScript } from './lua.ts';

// A record replaces its previous version whole.
const PUT_RECORD = (key: string, ttl: string, firstField: number) => `redis.call('DEL', ${key})
redis.call('HSET', ${key}, unpack(ARGV, ${firstField}))
if ${ttl} ~= '' then redis.call('PEXPIRE', ${key}, ${ttl}) end`;

// A member set (a grant's, an owner's) lives as long as its longest-lived member, persistent if
// any member is.
const EXTEND = `local function extend(set, ttl, existed)
  if ttl == '' then redis.call('PERSIST', set) return end
  local current = redis.call('PTTL', set)
  if existed == 0 or (current >= 0 and current < tonumber(ttl)) then redis.call('PEXPIRE', set, ttl) end
end
`;
const GRANT_ADD = `${EXTEND}local function grant_add(set, member, ttl)
  local existed = redis.call('EXISTS', set)
  redis.call('SADD', set, member)
  extend(set, ttl, existed)
end
`;
// An owner's index is a sorted set scored by each member's expiry (epoch ms, +inf for none):
// what expired is pruned on every write and never listed.
const OWNER_ADD = `local function owner_add(set, member, ttl, now)
  local existed = redis.call('EXISTS', set)
  local score = '+inf'
  if ttl ~= '' then score = tostring(tonumber(now) + tonumber(ttl)) end
  redis.call('ZADD', set, score, member)
  redis.call('ZREMRANGEBYSCORE', set, '-inf', now)
  extend(set, ttl, existed)
end
`;

export const SINGLE_KEY = {
  put: luaScript(PUT_RECORD('KEYS[1]', 'ARGV[1]', 2)),
  consume: luaScript<number>(`if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1])`),
  grantAdd: luaScript(`${GRANT_ADD}grant_add(KEYS[1], ARGV[1], ARGV[2])`),
  ownerAdd: luaScript(`${EXTEND}${OWNER_ADD}owner_add(KEYS[1], ARGV[1], ARGV[2], ARGV[3])`),
  usable: luaScript<number>(`if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'consumed') == 1 then return 0 end
return 1`),
  // ARGV = item, max items, TTL in ms.
  feedPush: luaScript(`redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])`),
  // Prunes what expired, then lists what is still to expire. ARGV = now (epoch ms).
  ownerList: luaScript<string[]>(`redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')`),
  delIf: luaScript<number>(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`),
  replaceIf: luaScript<number>(`if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0`),
  take: luaScript<(string | null)[]>(`local refs = redis.call('HMGET', KEYS[1], 'uidIndex', 'userCodeIndex', 'grantIndex', 'ownerIndexes')
redis.call('DEL', KEYS[1])
return refs`),
  // A batch of stream entries as one command (one promise, one reply, however long the batch),
  // trimmed by count (MAXLEN) on each add and by age (MINID) once. ARGV = max entries, the
  // oldest id kept (epoch ms), then the values.
  streamAppend: luaScript<string[]>(`local ids = {}
for i = 3, #ARGV do ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'v', ARGV[i]) end
redis.call('XTRIM', KEYS[1], 'MINID', ARGV[2])
return ids`),
  // A record and what it names to be read with it (read-ahead.ts): standalone and Sentinel only,
  // since the named keys are undeclared and may live in other slots. Answers {} when the record
  // is absent, else payload, consumed, then ref, value, consumed per named key.
  findWith: luaScript<(string | null)[]>(`local r = redis.call('HMGET', KEYS[1], 'payload', 'consumed', 'readWith')
if not r[1] then return {} end
local out = {r[1], r[2]}
if r[3] then
  for ref in string.gmatch(r[3], '[^\\n]+') do
    local key = string.sub(ref, 3)
    out[#out + 1] = ref
    if string.sub(ref, 1, 1) == 'r' then
      local v = redis.call('HMGET', key, 'payload', 'consumed')
      out[#out + 1] = v[1]
      out[#out + 1] = v[2]
    else
      out[#out + 1] = redis.call('GET', key)
      out[#out + 1] = false
    end
  end
end
return out`),
  takeSet: luaScript<string[]>(`local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members`),
};

const DROP = `local function drop(key)
  local refs = redis.call('HMGET', key, 'uidIndex', 'userCodeIndex', 'grantIndex', 'ownerIndexes')
  for i = 1, 2 do
    if refs[i] and redis.call('GET', refs[i]) == key then redis.call('DEL', refs[i]) end
  end
  if refs[4] then
    for owner in string.gmatch(refs[4], '[^\\n]+') do redis.call('ZREM', owner, key) end
  end
  redis.call('DEL', key)
  return refs[3]
end
`;

export const STANDALONE = {
  // A whole upsert as one command, atomic, and auto-pipelined with other requests' commands (a
  // MULTI is a write of its own). KEYS = the record, its uid/userCode index keys, its grant set
  // (when there is one), its owner indexes. ARGV = TTL in ms ('' = none), the number of index keys,
  // '1' when there is a grant set, the number of owners, now (epoch ms), then the record's fields.
  upsert: luaScript(`${GRANT_ADD}${OWNER_ADD}local ttl, indexes, grant, owners, now = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1', tonumber(ARGV[4]), ARGV[5]
for i = 2, 1 + indexes do
  if ttl == '' then redis.call('SET', KEYS[i], KEYS[1]) else redis.call('SET', KEYS[i], KEYS[1], 'PX', ttl) end
end
local next = 2 + indexes
if grant then grant_add(KEYS[next], KEYS[1], ttl) next = next + 1 end
for i = next, next + owners - 1 do owner_add(KEYS[i], KEYS[1], ttl, now) end
${PUT_RECORD('KEYS[1]', 'ttl', 6)}`),
  destroy: luaScript(`${DROP}local grant = drop(KEYS[1])
if grant then redis.call('SREM', grant, KEYS[1]) end`),
  revoke: luaScript(`${DROP}for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do drop(key) end
redis.call('DEL', KEYS[1])`),
  // KEYS = the document, its collection's index; ARGV = id, value.
  putDocument: luaScript(`redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('SET', KEYS[1], ARGV[2])`),
  insertDocument: luaScript<number>(`if not redis.call('SET', KEYS[1], ARGV[2], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1`),
  removeDocument: luaScript<number>(`local removed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return removed`),
};
