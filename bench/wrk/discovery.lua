dofile(os.getenv("BENCH_WRK_DIR") .. "/clients.lua")
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

function request()
  return wrk.format("GET", nil, {["X-Forwarded-For"] = client_address()})
end
