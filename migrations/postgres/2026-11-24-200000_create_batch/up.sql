-- The group-commit writer's two statements (issue 10), as functions so that PostgreSQL plans
-- them once per connection: diesel sends text it does not keep prepared (`sql_query`), and
-- planning these took about as long as running them. Called by payments-store's
-- `create_batch.rs`; SQLite runs the same steps as separate statements.

-- The holds on ranges of payable amounts, a range per create: a scan of the primary key each
-- (OFFSET 0 keeps the planner from turning the lateral join into a hash join over the table).
CREATE FUNCTION kassa_holds_on(cards text[], los bigint[], his bigint[])
RETURNS TABLE (card text, payable_amount bigint, hold_until bigint)
LANGUAGE sql STABLE AS $$
    SELECT h.card, h.payable_amount, h.hold_until
    FROM unnest(cards, los, his) AS r (card, lo, hi)
    CROSS JOIN LATERAL (
        SELECT p.card, p.payable_amount, p.hold_until FROM payable_holds p
        WHERE p.card = r.card AND p.payable_amount BETWEEN r.lo AND r.hi OFFSET 0
    ) AS h
$$;

-- A batch of new orders, atomic (one statement):
-- 1. each shop's count of orders goes up by its orders in the batch (the row stays locked until
--    commit; shops in id order, so two servers' batches queue rather than deadlock);
-- 2. the orders are inserted in the batch's order, numbered within their shop in that order
--    (so a shop's numbers follow its ids);
-- 3. the holds of those with a card are taken, in (card, amount) order; a lapsed hold is
--    replaced, a running one is not;
-- 4. if a hold was not taken (another server's writer took it since the caller read the
--    holds), the orders are not returned, it raises, and nothing of the batch is written.
-- Returns the orders made.
CREATE FUNCTION kassa_create_orders(
    p_code text[], p_payment_id text[], p_pay_token text[], p_shop_id bigint[],
    p_amount bigint[], p_payable_amount bigint[], p_card text[], p_created_at bigint[],
    p_expires_at bigint[], p_card_last4 text[], p_hold_until bigint[], p_now bigint)
RETURNS TABLE (id bigint, code text, payment_id text, pay_token text, shop_id bigint,
    amount bigint, payable_amount bigint, card text, status text, created_at bigint,
    expires_at bigint, finished_at bigint)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    returned bigint;
BEGIN
    RETURN QUERY
    WITH
    new AS (
        SELECT * FROM unnest(p_code, p_payment_id, p_pay_token, p_shop_id, p_amount,
            p_payable_amount, p_card, p_created_at, p_expires_at, p_card_last4, p_hold_until)
            WITH ORDINALITY AS n (code, payment_id, pay_token, shop_id, amount,
                payable_amount, card, created_at, expires_at, card_last4, hold_until, ord)
    ),
    counts AS (
        INSERT INTO shop_order_counts AS s (shop_id, orders)
        SELECT shop_id, count(*) FROM new GROUP BY shop_id ORDER BY shop_id
        ON CONFLICT (shop_id) DO UPDATE SET orders = s.orders + excluded.orders
        RETURNING s.shop_id, s.orders
    ),
    made AS (
        INSERT INTO orders AS o (code, payment_id, pay_token, shop_id, amount, payable_amount,
            card, status, created_at, expires_at, card_last4, shop_seq)
        SELECT n.code, n.payment_id, n.pay_token, n.shop_id, n.amount, n.payable_amount,
            n.card, 'pending', n.created_at, n.expires_at, n.card_last4,
            c.orders - count(*) OVER (PARTITION BY n.shop_id)
                + row_number() OVER (PARTITION BY n.shop_id ORDER BY n.ord)
        FROM new n JOIN counts c ON c.shop_id = n.shop_id
        ORDER BY n.ord
        RETURNING o.id, o.code, o.payment_id, o.pay_token, o.shop_id, o.amount,
            o.payable_amount, o.card, o.status, o.created_at, o.expires_at, o.finished_at
    ),
    held AS (
        INSERT INTO payable_holds AS h (card, payable_amount, hold_until, order_id)
        SELECT m.card, m.payable_amount, n.hold_until, m.id
        FROM made m JOIN new n ON n.code = m.code
        WHERE n.hold_until IS NOT NULL
        ORDER BY m.card, m.payable_amount
        ON CONFLICT (card, payable_amount) DO UPDATE
            SET hold_until = excluded.hold_until, order_id = excluded.order_id
            WHERE h.hold_until <= p_now
        RETURNING 1
    )
    SELECT m.* FROM made m
    WHERE (SELECT count(*) FROM held) = (SELECT count(*) FROM new WHERE hold_until IS NOT NULL);
    GET DIAGNOSTICS returned = ROW_COUNT;
    IF returned <> cardinality(p_code) THEN
        RAISE EXCEPTION 'a payable hold was taken by another server';
    END IF;
    RETURN;
END
$$;
