-- load.lua - wrk script for bench/load.sh: every connection alternates
-- POST /filter and POST /prioritize, as kube-scheduler does for each pod,
-- with the NodeNames of the whole cluster (a nodeCacheCapable extender with
-- percentageOfNodesToScore: 100). Pods rotate cpu-only, 1, 2, 4 and 8 GPUs.
-- LOAD_NAMES: a file of node names, one per line.
-- Answers are checked: a non-2xx status is counted by wrk itself; a 200
-- whose body carries a non-empty "Error" (filter) or is not a JSON array
-- (prioritize) counts as a body error. done() prints one LOAD line.

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

local function read_names(path)
    local f = assert(io.open(path, "r"), "LOAD_NAMES: cannot open " .. path)
    local quoted = {}
    for line in f:lines() do
        if #line > 0 then
            quoted[#quoted + 1] = '"' .. line .. '"'
        end
    end
    f:close()
    assert(#quoted > 0, "LOAD_NAMES: no names in " .. path)
    return "[" .. table.concat(quoted, ",") .. "]", #quoted
end

local function pod(i, gpus)
    local req = '"cpu":"2","memory":"8Gi"'
    if gpus > 0 then
        req = req .. ',"nvidia.com/gpu":"' .. gpus .. '"'
    end
    return '{"metadata":{"name":"load-' .. i .. '","namespace":"bench",' ..
        '"uid":"load-uid-' .. i .. '","labels":{"app":"load"}},' ..
        '"spec":{"containers":[{"name":"c","image":"registry.example/t:1",' ..
        '"resources":{"requests":{' .. req .. '},"limits":{' .. req ..
        '}}}],"tolerations":[{"key":"node.kubernetes.io/not-ready",' ..
        '"operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]' ..
        ',"priority":0},"status":{"phase":"Pending"}}'
end

local bodies = {}
local n = 0
local body_errors = 0
local calls = 0

function init(args)
    local names = read_names(os.getenv("LOAD_NAMES") or "names.txt")
    local shapes = {0, 1, 2, 4, 8}
    for i, g in ipairs(shapes) do
        bodies[i] = '{"Pod":' .. pod(i, g) .. ',"NodeNames":' .. names .. '}'
    end
end

function request()
    n = n + 1
    local b = bodies[(math.floor((n - 1) / 2) % #bodies) + 1]
    local path = (n % 2 == 1) and "/filter" or "/prioritize"
    return wrk.format("POST", path, {["Content-Type"] = "application/json"}, b)
end

function response(status, headers, body)
    calls = calls + 1
    if status ~= 200 then
        return
    end
    if string.sub(body, 1, 1) == "[" then
        return
    end
    if not string.find(body, '"Error":""', 1, true) and
       string.find(body, '"Error":"', 1, true) then
        body_errors = body_errors + 1
    elseif string.sub(body, 1, 1) ~= "{" then
        body_errors = body_errors + 1
    end
end

function done(summary, latency, requests)
    local be, seen = 0, 0
    for _, t in ipairs(threads) do
        be = be + (t:get("body_errors") or 0)
        seen = seen + (t:get("calls") or 0)
    end
    local e = summary.errors
    io.write(string.format(
        "LOAD requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d " ..
        "p99_us=%d max_us=%d non2xx=%d connect_err=%d read_err=%d " ..
        "write_err=%d timeouts=%d body_errors=%d checked=%d bytes=%d\n",
        summary.requests, summary.duration,
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.max, e.status, e.connect, e.read,
        e.write, e.timeout, be, seen, summary.bytes))
end
