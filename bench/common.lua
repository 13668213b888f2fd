-- Shared by the wrk scripts of scripts/bench.sh: counts answers that are not what a success
-- looks like (wrong status, or a body without `expect`), and prints one RESULT line.
-- Environment: BENCH_NAME (the run's name), BENCH_DELAY_MS (a pause before each request of a
-- connection: the constant-rate approximation of the half-rate runs).
local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

function init(args)
   failures = 0
   first_failure = nil
   math.randomseed(id * 7919 + os.time())
   if prepare then prepare(args) end
end

function response(status, headers, body)
   if status ~= 200 or (expect and not string.find(body, expect, 1, true)) then
      failures = failures + 1
      if not first_failure then
         first_failure = status .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause and pause > 0 then
   function delay()
      return pause
   end
end

function done(summary, latency, requests)
   local failed, first = 0, nil
   for _, t in ipairs(threads) do
      failed = failed + (t:get("failures") or 0)
      first = first or t:get("first_failure")
   end
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "RESULT name=%s rps=%.1f p50_ms=%.3f p99_ms=%.3f n=%d failures=%d errors=%d\n",
      os.getenv("BENCH_NAME") or "wrk", summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
      failed, e.connect + e.read + e.write + e.timeout + e.status))
   if first then
      io.write("FIRST_FAILURE " .. first .. "\n")
   end
end
