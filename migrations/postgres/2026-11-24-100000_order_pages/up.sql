-- get_payments in time that follows the page, not the shop's orders (issue 10): every order
-- gets its number within its shop (1, 2, 3, … in the order the shop's orders are made, so in
-- the order of their ids), and each shop's count of orders is kept, both written in the
-- create's transaction. A page of `limit` at `offset`, newest first, is then the numbers
-- (count - offset - limit, count - offset], found by index; the total is one row.
CREATE TABLE shop_order_counts (
    shop_id BIGINT PRIMARY KEY NOT NULL REFERENCES shops (id),
    orders BIGINT NOT NULL CHECK (orders >= 0)
);

ALTER TABLE orders ADD COLUMN shop_seq BIGINT;

UPDATE orders SET shop_seq = numbered.seq
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY shop_id ORDER BY id) AS seq FROM orders) AS numbered
WHERE orders.id = numbered.id;

INSERT INTO shop_order_counts (shop_id, orders)
SELECT shop_id, COUNT(*) FROM orders GROUP BY shop_id;

CREATE UNIQUE INDEX orders_shop_seq ON orders (shop_id, shop_seq);
