DROP INDEX orders_shop_seq;
ALTER TABLE orders DROP COLUMN shop_seq;
DROP TABLE shop_order_counts;
