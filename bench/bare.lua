-- The ceiling: the bare actix-web handler (examples/bench_bare.rs).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
expect = '"success":true'
local req = nil
function request()
   -- Formatted on first use: wrk sets the Host header only after the script is loaded.
   req = req or wrk.format("GET", "/bench")
   return req
end
