-- Settlement: payable amounts unique per card, incoming payments, the notification outbox.

ALTER TABLE shops ADD COLUMN webhook_secret TEXT;

-- What a bank notification shows of the card, for matching.
ALTER TABLE orders ADD COLUMN card_last4 TEXT;
CREATE INDEX orders_match ON orders (card_last4, payable_amount, expires_at);
CREATE INDEX orders_paid ON orders (status, finished_at);

-- A payable amount taken on a card until `hold_until` (the order's expiry plus the quarantine).
-- The primary key is what makes two orders sharing one (card, amount) impossible: a hold is only
-- replaced once it has lapsed.
CREATE TABLE payable_holds (
    card TEXT NOT NULL,
    payable_amount BIGINT NOT NULL,
    hold_until BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    PRIMARY KEY (card, payable_amount)
);

CREATE TABLE incoming_payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    source TEXT NOT NULL,
    reference TEXT NOT NULL,
    -- `source:reference` for the first report of a payment; NULL for its duplicates.
    unique_ref TEXT UNIQUE,
    duplicate_of BIGINT REFERENCES incoming_payments (id),
    card_last4 TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    paid_at BIGINT,
    received_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('matched', 'unmatched', 'duplicate', 'refunded', 'ignored')),
    reason TEXT,
    order_id BIGINT REFERENCES orders (id),
    note TEXT,
    raw TEXT,
    resolved_at BIGINT
);
CREATE INDEX incoming_status ON incoming_payments (status, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('webhook', 'telegram')),
    event TEXT NOT NULL,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_shop ON outbox (shop_id, id);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    attempt INTEGER NOT NULL,
    at BIGINT NOT NULL,
    ok INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT
);
CREATE INDEX deliveries_outbox ON deliveries (outbox_id);
