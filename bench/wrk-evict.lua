-- wrk script for evictsim's benchmark: POSTs Eviction bodies for the pods
-- listed in a targets file ("namespace name" per line), round robin, each
-- wrk thread starting at its own offset; counts answers whose status is not
-- the expected one, and prints one JSON line at the end:
--   {"rps":..,"requests":..,"wrong":..,"p50_us":..,"p99_us":..}
-- Environment: WRK_TARGETS (file), WRK_DRY (1: ?dryRun=All), WRK_EXPECT
-- (the status every answer must have, e.g. 429 or 201), WRK_PROTOBUF (1: the
-- body in Kubernetes protobuf and the Accept of a client-go program set up
-- for protobuf, as cluster-autoscaler's is).
local targets, dry, expect = {}, os.getenv("WRK_DRY") == "1", tonumber(os.getenv("WRK_EXPECT") or "0")
local protobuf = os.getenv("WRK_PROTOBUF") == "1"
for line in io.lines(os.getenv("WRK_TARGETS")) do
  local ns, name = line:match("^(%S+)%s+(%S+)")
  if ns then targets[#targets + 1] = { ns, name } end
end

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

-- A length-delimited protobuf field (number, bytes).
local function field(num, data)
  local len, n = {}, #data
  repeat
    local b = n % 128
    n = (n - b) / 128
    len[#len + 1] = string.char(n > 0 and b + 128 or b)
  until n == 0
  return string.char(num * 8 + 2) .. table.concat(len) .. data
end

-- k8s\0, runtime.Unknown{typeMeta{policy/v1, Eviction}, raw: Eviction{metadata{name, namespace}}, "", ""}
local function pb_eviction(ns, name)
  local meta = field(1, name) .. field(3, ns)
  return "k8s\0" .. field(1, field(1, "policy/v1") .. field(2, "Eviction")) .. field(2, field(1, meta)) .. "\26\0\34\0"
end

local reqs, i = {}, 0
wrong = 0 -- a global: done() reads it from each thread with thread:get
function init(args)
  for k, t in ipairs(targets) do
    local body = protobuf and pb_eviction(t[1], t[2]) or string.format(
      '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"%s","namespace":"%s"}}', t[2], t[1])
    local headers = protobuf
      and { ["Content-Type"] = "application/vnd.kubernetes.protobuf", ["Accept"] = "application/vnd.kubernetes.protobuf, */*" }
      or { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
    reqs[k] = wrk.format("POST",
      string.format("/api/v1/namespaces/%s/pods/%s/eviction%s", t[1], t[2], dry and "?dryRun=All" or ""), headers, body)
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
