"""The Lua script of ``update_session``, registered once per adapter (EVALSHA)."""

# Merge fields into the JSON object at KEYS[1], atomically, in one round trip (one key, so it
# runs on a cluster too). The stored values are never decoded: Lua's cjson reads numbers as
# doubles and would round 64-bit ints such as 2**53 + 1. Instead the text is scanned for its
# top-level members (outside strings, at depth 1) and each member keeps its exact text unless
# replaced. ARGV holds pairs of JSON texts: a member name and its new value. The key then
# expires at the merged idle_expires, its digits handed to PXAT as they are (a value <= 0 is
# made 1, also long past: PXAT in the past deletes the key). Returns the JSON as it was, or nil.
MERGE = r"""
local old = redis.call('GET', KEYS[1])
if not old then return false end
if not string.find(old, '^%s*{') then return redis.error_reply('not a JSON object') end
local members, index = {}, {}
local depth, in_string, escaped, start, colon = 0, false, false, 1, nil
for i = 1, #old do
  local c = string.sub(old, i, i)
  if in_string then
    if escaped then escaped = false
    elseif c == '\\' then escaped = true
    elseif c == '"' then in_string = false end
  elseif c == '"' then in_string = true
  elseif c == ':' and depth == 1 and not colon then colon = i
  elseif c == '{' or c == '[' then
    depth = depth + 1
    if depth == 1 then start = i + 1 end
  elseif depth == 1 and (c == ',' or c == '}') then
    if colon then
      local name = string.sub(old, start, colon - 1)
      members[#members + 1] = {name, string.sub(old, colon + 1, i - 1)}
      index[cjson.decode(name)] = #members
    end
    start, colon = i + 1, nil
    if c == '}' then break end
  elseif c == '}' or c == ']' then depth = depth - 1
  end
end
for i = 1, #ARGV, 2 do
  local name = cjson.decode(ARGV[i])
  if index[name] then members[index[name]][2] = ARGV[i + 1]
  else members[#members + 1] = {ARGV[i], ARGV[i + 1]}; index[name] = #members end
end
local parts = {}
for i, member in ipairs(members) do parts[i] = member[1] .. ':' .. member[2] end
local new = '{' .. table.concat(parts, ',') .. '}'
local expires = index.idle_expires and string.match(members[index.idle_expires][2], '^%s*(-?%d+)%s*$')
if not expires then
  redis.call('SET', KEYS[1], new, 'KEEPTTL')
else
  if tonumber(expires) <= 0 then expires = '1' end
  redis.call('SET', KEYS[1], new, 'PXAT', expires)
end
return old
"""
