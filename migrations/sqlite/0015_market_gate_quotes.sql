-- The best bid and ask of a slot's book when its gate closed (for an epoch
-- market: of the collected orders, before the auction ran), in micro-units
-- per kWh; NULL where that side held no limit order, and for slots closed
-- before this migration. Read by analytics (the bid-ask spread at gate
-- closure). 0014 is another change's number.
ALTER TABLE market_slots ADD COLUMN gate_bid BIGINT;
ALTER TABLE market_slots ADD COLUMN gate_ask BIGINT;
