//! Diesel's view of the tables (the same on both backends; see `migrations/`).

diesel::table! {
    shops (id) {
        id -> BigInt,
        name -> Text,
        user_id -> BigInt,
        kind -> Text,
        status -> Text,
        month_status -> Text,
        card -> Nullable<Text>,
        callback_url -> Nullable<Text>,
        webhook_secret -> Nullable<Text>,
        balance -> BigInt,
        key_hash -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        code -> Text,
        payment_id -> Text,
        pay_token -> Text,
        shop_id -> BigInt,
        amount -> BigInt,
        payable_amount -> BigInt,
        card -> Nullable<Text>,
        status -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        finished_at -> Nullable<BigInt>,
        card_last4 -> Nullable<Text>,
        shop_seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    shop_order_counts (shop_id) {
        shop_id -> BigInt,
        orders -> BigInt,
    }
}

diesel::table! {
    payable_holds (card, payable_amount) {
        card -> Text,
        payable_amount -> BigInt,
        hold_until -> BigInt,
        order_id -> BigInt,
    }
}

diesel::table! {
    incoming_payments (id) {
        id -> BigInt,
        source -> Text,
        reference -> Text,
        unique_ref -> Nullable<Text>,
        duplicate_of -> Nullable<BigInt>,
        card_last4 -> Text,
        amount -> BigInt,
        paid_at -> Nullable<BigInt>,
        received_at -> BigInt,
        status -> Text,
        reason -> Nullable<Text>,
        order_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
        raw -> Nullable<Text>,
        resolved_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        channel -> Text,
        event -> Text,
        order_id -> BigInt,
        shop_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        sent_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        attempt -> Integer,
        at -> BigInt,
        ok -> Integer,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    ledger (id) {
        id -> BigInt,
        shop_id -> BigInt,
        order_id -> BigInt,
        amount -> BigInt,
        created_at -> BigInt,
    }
}

diesel::joinable!(orders -> shops (shop_id));
diesel::joinable!(ledger -> shops (shop_id));
diesel::joinable!(outbox -> orders (order_id));
diesel::joinable!(deliveries -> outbox (outbox_id));
diesel::allow_tables_to_appear_in_same_query!(
    shops,
    orders,
    ledger,
    payable_holds,
    incoming_payments,
    outbox,
    deliveries,
    shop_order_counts
);
