-- wrk script for bench/http/load.sh: POST /api/v1/trading/orders, limit
-- orders of 0.1..1 kWh alternating a prosumer's sells (from 0.19 up) and a
-- consumer's buys (from 0.21 down), so that about half of them trade.
local sell_token = os.getenv("SELL_TOKEN")
local buy_token = os.getenv("BUY_TOKEN")
local slot = os.getenv("SLOT")
local n = 0

request = function()
  n = n + 1
  local sell = n % 2 == 0
  local step = (n * 7919) % 200
  local price = sell and (1900 + step) or (2100 - step)  -- in ticks of 0.0001
  local body = string.format(
    '{"side":"%s","order_type":"limit","quantity_kwh":%d.%03d,"price_per_kwh":0.%04d,"delivery_slot":"%s"}',
    sell and "sell" or "buy", 0, 100 + (n * 31) % 900, price, slot)
  return wrk.format("POST", "/api/v1/trading/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. (sell and sell_token or buy_token),
  }, body)
end
