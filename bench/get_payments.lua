-- TopHamyon get_payments for demo shop 101: pages of 10 at offsets spread uniformly over the
-- shop's BENCH_TOTAL orders.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
expect = '"success":true'
local total = tonumber(os.getenv("BENCH_TOTAL") or "1000")
function request()
   local offset = math.random(0, math.max(total - 10, 0))
   return wrk.format("GET",
      "/api/get_payments?shop_id=101&shop_key=test_key_123&limit=10&offset=" .. offset)
end
