#!/bin/bash
# Runs every example of docs/rasmiypay.md against a demo server and prints them as markdown.
# Start one first, e.g.:
#   KASSA_SECRET=docs-demo-secret-0123456789 KASSA_ADMIN_TOKEN=docs-admin-token-123 \
#   KASSA_LISTEN=127.0.0.1:18080 DATABASE_URL=/tmp/kassa-docs.db cargo run -- serve --demo
# then: KASSA=http://127.0.0.1:18080 ADMIN_TOKEN=docs-admin-token-123 crates/rasmiy-api/docs-examples.sh
KASSA=${KASSA:-http://127.0.0.1:18080}
ADMIN_TOKEN=${ADMIN_TOKEN:-docs-admin-token-123}
TOK="Authorization: Bearer $ADMIN_TOKEN"
ex(){ printf '```console\n$ %s\n' "$1"; eval "$1"; printf '\n```\n\n'; }
order(){ python3 -c 'import json,sys;print(json.load(sys.stdin)["order"])'; }
echo "## create"
ex "curl -s -X POST \"\$KASSA/api?method=create\" -d shop_id=695008 -d shop_key=Z631XLBO7O -d amount=50000"
ex "curl -s \"\$KASSA/api?method=create&shop_id=101&shop_key=test_key_123&amount=1000.5\""
ex "curl -s \"\$KASSA/api\" -H 'Content-Type: application/json' -d '{\"method\":\"create\",\"shop_id\":695008,\"shop_key\":\"Z631XLBO7O\",\"amount\":50000.00}'"
ex "curl -s \"\$KASSA/api?method=create\" -F shop_id=695008 -F shop_key=Z631XLBO7O -F amount=25000"
O=$(curl -s "$KASSA/api?method=create&shop_id=695008&shop_key=Z631XLBO7O&amount=50000" | order)
echo "## check ($O)"
ex "curl -s \"\$KASSA/api?method=check&order=$O\""
echo "## cancel"
ex "curl -s -X POST \"\$KASSA/api?method=cancel&order=$O\""
ex "curl -s -X POST \"\$KASSA/api\" -d method=cancel -d order=$O"
ex "curl -s \"\$KASSA/api?method=check&order=$O\""
O2=$(curl -s "$KASSA/api?method=create&shop_id=695008&shop_key=Z631XLBO7O&amount=50000" | order)
echo "## paid"
ex "curl -s -X POST -H \"Authorization: Bearer \$ADMIN_TOKEN\" \"\$KASSA/admin/orders/$O2/confirm\" -o /dev/null -w '%{http_code}'"
ex "curl -s \"\$KASSA/api?method=check&order=$O2\""
ex "curl -s \"\$KASSA/api\" -H 'Content-Type: application/json' -d '{\"method\":\"cancel\",\"order\":\"$O2\"}'"
echo "## shop info"
ex "curl -s \"\$KASSA/api?shop_id=695008&shop_key=Z631XLBO7O\""
ex "curl -s \"\$KASSA/api\" -d shop_id=695008 -d shop_key=Z631XLBO7O"
echo "## errors"
S=$(curl -s -X POST -H "$TOK" -H 'Content-Type: application/json' $KASSA/admin/shops -d '{"name":"Yangi dokon","user_id":42,"kind":"api","status":"pending","month_status":"Toʻlandi","card":"8600123456786224"}')
SID=$(echo "$S" | python3 -c 'import json,sys;print(json.load(sys.stdin)["shop_id"])'); SKEY=$(echo "$S" | python3 -c 'import json,sys;print(json.load(sys.stdin)["shop_key"])')
echo "new shop $SID $SKEY"
ex "curl -s \"\$KASSA/api?method=create&shop_key=Z631XLBO7O&amount=5000\""
ex "curl -s \"\$KASSA/api?method=create&shop_id=695008&shop_key=WRONGKEY00&amount=5000\""
ex "curl -s \"\$KASSA/api?method=create&shop_id=999999&shop_key=Z631XLBO7O&amount=5000\""
ex "curl -s \"\$KASSA/api?shop_id=695008&shop_key=WRONGKEY00\""
ex "curl -s \"\$KASSA/api?method=create&shop_id=$SID&shop_key=$SKEY&amount=5000\""
curl -s -X PATCH -H "$TOK" -H 'Content-Type: application/json' $KASSA/admin/shops/$SID -d '{"status":"confirm","month_status":"Toʻlanmagan"}' >/dev/null
ex "curl -s \"\$KASSA/api?method=create&shop_id=$SID&shop_key=$SKEY&amount=5000\""
curl -s -X PATCH -H "$TOK" -H 'Content-Type: application/json' $KASSA/admin/shops/$SID -d '{"month_status":"Toʻlandi","card":null}' >/dev/null
ex "curl -s \"\$KASSA/api?method=create&shop_id=$SID&shop_key=$SKEY&amount=5000\""
ex "curl -s \"\$KASSA/api?method=create&shop_id=695008&shop_key=Z631XLBO7O&amount=1e3\""
ex "curl -s \"\$KASSA/api?method=create&shop_id=695008&shop_key=Z631XLBO7O&amount=200000000\""
ex "curl -s \"\$KASSA/api?method=check\""
ex "curl -s \"\$KASSA/api?method=cancel&order=nosuchorder\""
ex "curl -s \"\$KASSA/api?method=refund&order=$O\""
ex "curl -si -X PUT \"\$KASSA/api?method=check&order=$O\" | grep -iv '^date\|^content-length\|^x-request-id'"
ex "curl -si \"\$KASSA/api\" -H 'Content-Type: application/json' -d '{\"method\":\"create\",' | grep -iv '^date\|^content-length\|^x-request-id'"
ex "curl -s \"\$KASSA/api?method=check&order=a%00\""
ex "head -c 70000 /dev/zero | tr '\\0' x | curl -si \"\$KASSA/api\" --data-binary @- | grep -iv '^date\|^content-length\|^x-request-id'"
for i in $(seq 1 10); do curl -s "$KASSA/api?shop_id=102&shop_key=WRONGKEY00" >/dev/null; done
echo "## throttle (after 10 wrong keys for 102)"
ex "curl -si \"\$KASSA/api?shop_id=102&shop_key=test_key_456\" | grep -iv '^date\|^content-length\|^x-request-id'"
ex "curl -s \"\$KASSA/api?shop_id=101&shop_key=test_key_123\""
