dofile(os.getenv("BENCH_WRK_DIR") .. "/clients.lua")
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local key = os.getenv("BENCH_API_KEY")

function request()
  return wrk.format("POST", nil, {["X-Forwarded-For"] = client_address(), ["X-API-Key"] = key}, "")
end
