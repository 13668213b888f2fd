-- RasmiyPay create as a form POST for demo page shop 695008, random amounts as in
-- create_payment.lua.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
expect = '"status":"success"'
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
function request()
   local amount = math.random(1000, 10000999)
   return wrk.format("POST", "/api", headers,
      "method=create&shop_id=695008&shop_key=Z631XLBO7O&amount=" .. amount)
end
