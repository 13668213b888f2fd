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
diesel::allow_tables_to_appear_in_same_query!(shops, orders, ledger);
