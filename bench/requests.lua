-- wrk script for the benchmarks: every request takes the next line of $BENCH_FEED,
-- "token<TAB>json body"; threads take disjoint lines (thread i takes lines i, i+n, i+2n, ...).
local threads_made = 0

function setup(thread)
  thread:set("tid", threads_made)
  threads_made = threads_made + 1
end

function init(args)
  lines = {}
  for line in io.lines(os.getenv("BENCH_FEED")) do
    if #line > 0 then lines[#lines + 1] = line end
  end
  stride = tonumber(os.getenv("BENCH_THREADS") or "1")
  counter = tid
  method = os.getenv("BENCH_METHOD") or "POST"
end

function request()
  local line = lines[(counter % #lines) + 1]
  counter = counter + stride
  local tab = string.find(line, "\t", 1, true)
  local token, body = line, nil
  if tab then
    token = string.sub(line, 1, tab - 1)
    body = string.sub(line, tab + 1)
    if #body == 0 then body = nil end
  end
  local headers = {}
  if #token > 0 then headers["Authorization"] = "Bearer " .. token end
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, nil, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"status_errors":%d,"connect_errors":%d,"read_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.timeout))
end
