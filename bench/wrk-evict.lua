-- wrk script for evictsim's benchmark: POSTs Eviction bodies for the pods
-- listed in a targets file ("namespace name" per line), round robin, each
-- wrk thread starting at its own offset; counts answers whose status is not
-- the expected one, and prints one JSON line at the end:
--   {"rps":..,"requests":..,"wrong":..,"p50_us":..,"p99_us":..}
-- Environment: WRK_TARGETS (file), WRK_DRY (1: ?dryRun=All), WRK_EXPECT
-- (the status every answer must have, e.g. 429 or 201).
local targets, dry, expect = {}, os.getenv("WRK_DRY") == "1", tonumber(os.getenv("WRK_EXPECT") or "0")
for line in io.lines(os.getenv("WRK_TARGETS")) do
  local ns, name = line:match("^(%S+)%s+(%S+)")
  if ns then targets[#targets + 1] = { ns, name } end
end

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

local reqs, i, wrong = {}, 0, 0
function init(args)
  for k, t in ipairs(targets) do
    local body = string.format(
      '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"%s","namespace":"%s"}}', t[2], t[1])
    reqs[k] = wrk.format("POST",
      string.format("/api/v1/namespaces/%s/pods/%s/eviction%s", t[1], t[2], dry and "?dryRun=All" or ""),
      { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }, body)
  end
  i = (id or 0) * 7919
end

function request()
  i = i + 1
  return reqs[(i % #reqs) + 1]
end

function response(status, headers, body)
  if expect ~= 0 and status ~= expect then wrong = wrong + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("wrong") or 0) end
  local errs = summary.errors
  local failed = errs.connect + errs.read + errs.write + errs.timeout
  io.write(string.format('{"rps":%.0f,"requests":%d,"wrong":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests / (summary.duration / 1e6), summary.requests, bad, failed,
    latency:percentile(50), latency:percentile(99)))
end
