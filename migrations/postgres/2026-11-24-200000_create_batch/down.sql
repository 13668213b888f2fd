DROP FUNCTION kassa_create_orders(text[], text[], text[], bigint[], bigint[], bigint[], text[], bigint[], bigint[], text[], bigint[], bigint);
DROP FUNCTION kassa_holds_on(text[], bigint[], bigint[]);
