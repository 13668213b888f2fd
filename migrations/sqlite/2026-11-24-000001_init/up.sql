-- Money columns are integer tiyin; times are unix seconds (UTC).
CREATE TABLE shops (
    id BIGINT PRIMARY KEY NOT NULL CHECK (id > 0),
    name TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('api', 'page')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'confirm', 'blocked')),
    month_status TEXT NOT NULL,
    card TEXT,
    callback_url TEXT,
    balance BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
    key_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    payment_id TEXT NOT NULL UNIQUE,
    pay_token TEXT NOT NULL UNIQUE,
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    -- What the payer must send; the settlement makes it unique per receiving card.
    payable_amount BIGINT NOT NULL CHECK (payable_amount > 0),
    card TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled', 'expired')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    finished_at BIGINT
);

-- A shop's orders, newest first.
CREATE INDEX orders_shop_newest ON orders (shop_id, id);
-- The expiry sweep reads only overdue pending orders (works with bound parameters too).
CREATE INDEX orders_status_expiry ON orders (status, expires_at);

CREATE TABLE ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    -- One credit per order, enforced by the database as well as by the status machine.
    order_id BIGINT NOT NULL UNIQUE REFERENCES orders (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    created_at BIGINT NOT NULL
);

CREATE INDEX ledger_shop ON ledger (shop_id);
