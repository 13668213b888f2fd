-- TopHamyon create_payment (a durable write) for demo shop 101. Random whole-som amounts
-- from a range of ten million, so the payable-amount steps of an amount never run out.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
expect = '"success":true'
function request()
   local amount = math.random(1000, 10000999)
   return wrk.format("GET",
      "/api/create_payment?shop_id=101&shop_key=test_key_123&amount=" .. amount .. ".00")
end
