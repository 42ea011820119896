-- Sends the holder's session cookies (BENCH_COOKIE) or an API token's Authorization header
-- (BENCH_AUTHORIZATION) and counts every answer that is not 200,
-- a redirect to the login page included; prints one RESULT line that loadtest.py reads.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  bad_status = 0
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then
    wrk.headers["Cookie"] = cookie
  end
  local authorization = os.getenv("BENCH_AUTHORIZATION")
  if authorization and authorization ~= "" then
    wrk.headers["Authorization"] = authorization
  end
  wrk.headers["Host"] = "127.0.0.1"
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    bad_status = status
  end
end

function done(summary, latency, requests)
  local bad, bad_status = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
    if thread:get("bad_status") ~= 0 then bad_status = thread:get("bad_status") end
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f non200=%d socket_errors=%d p50=%.2f p95=%.2f p99=%.2f bad_status=%d\n",
    summary.requests, summary.duration / 1e6, bad, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, bad_status))
end
