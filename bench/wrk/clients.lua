-- Every request arrives through the trusted proxy from one of 65,536 client addresses, so
-- that the per-IP limits count as they would for real visitors and never bind.
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

function client_address()
  return string.format("10.1.%d.%d", math.random(0, 255), math.random(0, 255))
end
