-- wrk script for bench/http/telemetry.sh: POST /api/v1/telemetry/readings,
-- READINGS_PER_REQUEST (default 1,000) readings a request, one per meter of
-- METERS serials PREFIX000000.. at one 15-minute timestamp per request.
-- Timestamps walk back from START (epoch seconds on a quarter-hour, in the
-- past) so that no two requests of any thread repeat a (meter, time): each
-- request stores new readings, none is a duplicate or in the future.
-- done() prints the readings accepted per second (from the bodies'
-- "accepted" counts) and exits non-zero through wrk's status when a response
-- was not 200 or did not accept every reading (checked by telemetry.sh).
local token = os.getenv("TOKEN")
local meters = tonumber(os.getenv("METERS") or "1000")
local per_request = tonumber(os.getenv("READINGS_PER_REQUEST") or "1000")
local start = tonumber(os.getenv("START"))
local prefix = os.getenv("PREFIX") or "HM"

local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local heads, tails = {}, {}
local n = 0
local nthreads = tonumber(os.getenv("THREADS") or "2")
accepted, bad, first_bad = 0, 0, ""

function init(args)
  -- The constant parts of each row, built once: only the timestamp changes.
  for j = 0, per_request - 1 do
    local meter = j % meters
    heads[j + 1] = string.format('{"meter_id":"%s%06d","timestamp":"', prefix, meter)
    local wh = 50 + (j * 37) % 400
    local produced = (j % 4 == 0) and (j * 13) % 200 or 0
    tails[j + 1] = string.format('","energy_consumed_kwh":%d.%03d,"energy_produced_kwh":%d.%03d}',
      math.floor(wh / 1000), wh % 1000, math.floor(produced / 1000), produced % 1000)
  end
end

request = function()
  -- Request n of thread id: quarter-hour number n * threads + id back from START.
  local back = (n * nthreads + id) * 900
  n = n + 1
  local ts = os.date("!%Y-%m-%dT%H:%M:%SZ", start - back)
  local parts = {}
  for j = 1, per_request do
    parts[j] = heads[j] .. ts .. tails[j]
  end
  local body = '{"readings":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/api/v1/telemetry/readings", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

response = function(status, headers, body)
  local got = tonumber(string.match(body or "", '"accepted"%s*:%s*(%d+)') or "-1")
  if status == 200 and got == per_request then
    accepted = accepted + got
  else
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
    if got > 0 then accepted = accepted + got end
  end
end

done = function(summary, latency, requests)
  local total, nbad, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    total = total + t:get("accepted")
    nbad = nbad + t:get("bad")
    if sample == "" then sample = t:get("first_bad") end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("telemetry: %d readings accepted in %.2f s: %.0f readings/s; %d requests, p50 %.1f ms, p99 %.1f ms\n",
    total, seconds, total / seconds, summary.requests, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  if nbad > 0 then
    io.write(string.format("telemetry: %d responses were not 200 with every reading accepted; first: %s\n", nbad, sample))
  end
end
