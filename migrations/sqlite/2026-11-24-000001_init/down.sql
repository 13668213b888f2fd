DROP TABLE ledger; DROP TABLE orders; DROP TABLE shops;
