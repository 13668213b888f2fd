-- TopHamyon check_payment (a read): a random code of BENCH_CODES (one a line) each time.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
expect = '"success":true'
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do
   if line ~= "" then table.insert(codes, line) end
end
function request()
   return wrk.format("GET", "/api/check_payment?order_id=" .. codes[math.random(#codes)])
end
