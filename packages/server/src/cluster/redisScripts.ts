import type { Redis } from 'ioredis';

/**
 * The shared state of the nodes in Redis, changed only by these scripts so that every
 * read-decide-write is atomic. Keys (one Redis per deployment; not laid out for Redis Cluster):
 *
 * - `rd:nodes` — sorted set: node id → its last heartbeat (Redis' own clock, ms). A node whose
 *   heartbeat is older than `deadAfterMs` is dead: what it held is ignored, then reaped.
 * - `rd:conns:{node}` — hash: `u:{userId}` / `i:{ip}` → that node's open connections.
 * - `rd:presence:user:{user}` — hash: node → the user's status on that node (`online`, `away`).
 * - `rd:presence:node:{node}` — set: the users that node has a presence field for (for reaping).
 * - `rd:presence:shown` — hash: user → the aggregate status last announced (absent = offline).
 *
 * A node counts itself alive in its own scripts: a Redis that restarted and lost `rd:nodes`
 * must not make a node ignore its own connections until its next heartbeat.
 */
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function live_nodes(dead_after, me)
  local live = {}
  for _, n in ipairs(redis.call('ZRANGEBYSCORE', 'rd:nodes', now_ms() - dead_after, '+inf')) do live[n] = true end
  if me then live[me] = true end
  return live
end
local function aggregate(user, live)
  local fields = redis.call('HGETALL', 'rd:presence:user:' .. user)
  local status = 'offline'
  for i = 1, #fields, 2 do
    if live[fields[i]] then
      if fields[i + 1] == 'online' then return 'online' end
      status = 'away'
    end
  end
  return status
end
local function settle(user, live)
  local status = aggregate(user, live)
  local shown = redis.call('HGET', 'rd:presence:shown', user) or 'offline'
  if status == shown then return false end
  if status == 'offline' then redis.call('HDEL', 'rd:presence:shown', user) else redis.call('HSET', 'rd:presence:shown', user, status) end
  return status
end
`;

const SCRIPTS = {
  /** ARGV: node, deadAfterMs. Records the heartbeat; returns the nodes that have been silent too long. */
  rdHeartbeat: `
local now = now_ms()
redis.call('ZADD', 'rd:nodes', now, ARGV[1])
return redis.call('ZRANGEBYSCORE', 'rd:nodes', '-inf', '(' .. (now - tonumber(ARGV[2])))`,

  /**
   * ARGV: dead node, deadAfterMs. Forgets everything the dead node held, once (a second reaper
   * finds nothing); returns the users whose aggregate presence changed, flat: user, status, ...
   */
  rdReap: `
local dead = ARGV[1]
local score = redis.call('ZSCORE', 'rd:nodes', dead)
if not score or tonumber(score) >= now_ms() - tonumber(ARGV[2]) then return {} end
redis.call('ZREM', 'rd:nodes', dead)
local live = live_nodes(tonumber(ARGV[2]), nil)
local changes = {}
for _, user in ipairs(redis.call('SMEMBERS', 'rd:presence:node:' .. dead)) do
  redis.call('HDEL', 'rd:presence:user:' .. user, dead)
  local changed = settle(user, live)
  if changed then table.insert(changes, user) table.insert(changes, changed) end
end
redis.call('DEL', 'rd:presence:node:' .. dead, 'rd:conns:' .. dead)
return changes`,

  /**
   * ARGV: user, node, status ('' = the user has no connection on the node any more), deadAfterMs.
   * Returns the user's new aggregate status when it changed, else nil.
   */
  rdPresenceSet: `
local user, node, status = ARGV[1], ARGV[2], ARGV[3]
if status == '' then
  redis.call('HDEL', 'rd:presence:user:' .. user, node)
  redis.call('SREM', 'rd:presence:node:' .. node, user)
else
  redis.call('HSET', 'rd:presence:user:' .. user, node, status)
  redis.call('SADD', 'rd:presence:node:' .. node, user)
end
return settle(user, live_nodes(tonumber(ARGV[4]), node))`,

  /** ARGV: field, limit, node, deadAfterMs. Takes a connection slot unless the live nodes together hold `limit`: 1 taken, 0 refused. */
  rdCapTake: `
local field, limit, me = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local total = 0
for node in pairs(live_nodes(tonumber(ARGV[4]), me)) do
  total = total + tonumber(redis.call('HGET', 'rd:conns:' .. node, field) or '0')
end
if total >= limit then return 0 end
redis.call('HINCRBY', 'rd:conns:' .. me, field, 1)
return 1`,

  /** ARGV: field, node. Gives a slot back. */
  rdCapRelease: `
if redis.call('HINCRBY', 'rd:conns:' .. ARGV[2], ARGV[1], -1) <= 0 then redis.call('HDEL', 'rd:conns:' .. ARGV[2], ARGV[1]) end
return 1`,

  /** ARGV: deadAfterMs, node, fields... The connections all live nodes hold for these fields, summed. */
  rdCapCount: `
local total = 0
for node in pairs(live_nodes(tonumber(ARGV[1]), ARGV[2])) do
  for i = 3, #ARGV do total = total + tonumber(redis.call('HGET', 'rd:conns:' .. node, ARGV[i]) or '0') end
end
return total`,
} as const;

type Reply = string | number | null | Reply[];
export type ClusterScripts = { [K in keyof typeof SCRIPTS]: (...args: (string | number)[]) => Promise<Reply> };

/** The scripts as commands on `redis` (sent by SHA, loaded on first use and after a Redis restart). */
export function clusterScripts(redis: Redis): ClusterScripts {
  for (const [name, body] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 0, lua: PRELUDE + body });
  }
  return redis as unknown as ClusterScripts;
}

/** Redis key of a node's connection counts (restored as a whole after a reconnect). */
export const connsKey = (nodeId: string) => `rd:conns:${nodeId}`;
export const presenceNodeKey = (nodeId: string) => `rd:presence:node:${nodeId}`;
export const PRESENCE_SHOWN_KEY = 'rd:presence:shown';
