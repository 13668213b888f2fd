DROP TABLE deliveries;
DROP TABLE outbox;
DROP TABLE incoming_payments;
DROP TABLE payable_holds;
DROP INDEX orders_paid;
DROP INDEX orders_match;
ALTER TABLE orders DROP COLUMN card_last4;
ALTER TABLE shops DROP COLUMN webhook_secret;
