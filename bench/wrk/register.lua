-- Re-registers one existing action per website, rotating over many websites' keys so that
-- no key reaches its 100-per-minute limit.
dofile(os.getenv("BENCH_WRK_DIR") .. "/clients.lua")
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local keys = {}
for key in io.lines(os.getenv("BENCH_KEYS_FILE")) do
  keys[#keys + 1] = key
end
local body = os.getenv("BENCH_ACTION_BODY")
local turn = math.random(1, #keys)

function request()
  turn = turn % #keys + 1
  return wrk.format("POST", nil, {
    ["X-Forwarded-For"] = client_address(),
    ["X-API-Key"] = keys[turn],
    ["Content-Type"] = "application/json",
  }, body)
end
