// The Lua scripts of the Redis store. Single-key scripts are safe in every topology; the
// standalone ones touch several keys (some found inside the data, in other slots), which only a
// standalone or Sentinel-managed server accepts (see topology.ts).
import { luaScript } from './lua.ts';

// A record replaces its previous version whole; a grant set lives as long as its longest-lived
// member (persistent if any member is).
const PUT_RECORD = (key: string, ttl: string, firstField: number) => `redis.call('DEL', ${key})
redis.call('HSET', ${key}, unpack(ARGV, ${firstField}))
if ${ttl} ~= '' then redis.call('PEXPIRE', ${key}, ${ttl}) end`;
const GRANT_ADD = `local function grant_add(set, member, ttl)
  local existed = redis.call('EXISTS', set)
  redis.call('SADD', set, member)
  if ttl == '' then redis.call('PERSIST', set) return end
  local current = redis.call('PTTL', set)
  if existed == 0 or (current >= 0 and current < tonumber(ttl)) then redis.call('PEXPIRE', set, ttl) end
end
`;

export const SINGLE_KEY = {
  put: luaScript(PUT_RECORD('KEYS[1]', 'ARGV[1]', 2)),
  consume: luaScript<number>(`if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1])`),
  grantAdd: luaScript(`${GRANT_ADD}grant_add(KEYS[1], ARGV[1], ARGV[2])`),
  delIf: luaScript<number>(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`),
  replaceIf: luaScript<number>(`if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0`),
  take: luaScript<(string | null)[]>(`local refs = redis.call('HMGET', KEYS[1], 'uidIndex', 'userCodeIndex', 'grantIndex')
redis.call('DEL', KEYS[1])
return refs`),
  takeSet: luaScript<string[]>(`local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members`),
};

const DROP = `local function drop(key)
  local refs = redis.call('HMGET', key, 'uidIndex', 'userCodeIndex', 'grantIndex')
  for i = 1, 2 do
    if refs[i] and redis.call('GET', refs[i]) == key then redis.call('DEL', refs[i]) end
  end
  redis.call('DEL', key)
  return refs[3]
end
`;

export const STANDALONE = {
  // A whole upsert as one command, atomic, and auto-pipelined with other requests' commands (a
  // MULTI is a write of its own). KEYS = the record, its uid/userCode index keys, then its grant
  // set when ARGV[2] is '1'; ARGV[1] = TTL in ms ('' = none); ARGV[3…] = the record's fields.
  upsert: luaScript(`${GRANT_ADD}local last = #KEYS
if ARGV[2] == '1' then grant_add(KEYS[last], KEYS[1], ARGV[1]) last = last - 1 end
for i = 2, last do
  if ARGV[1] == '' then redis.call('SET', KEYS[i], KEYS[1]) else redis.call('SET', KEYS[i], KEYS[1], 'PX', ARGV[1]) end
end
${PUT_RECORD('KEYS[1]', 'ARGV[1]', 3)}`),
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
