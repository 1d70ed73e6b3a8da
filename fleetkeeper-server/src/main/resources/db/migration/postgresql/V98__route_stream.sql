-- Routes delivered through a stream. Same meaning as ../sqlite/V98__route_stream.sql.
-- An event reaches a route once in the delivery log: a message the route stream delivers again after a crash
-- adds no second row.
CREATE UNIQUE INDEX route_deliveries_event ON route_deliveries (route_id, event_id);
