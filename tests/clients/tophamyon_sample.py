"""The TopHamyon document's Python `requests` sample, run for real against Kassa.

Usage: python3 tophamyon_sample.py BASE_URL

The first block is the document's check_shop sample verbatim, with the host swapped and the
test shop's credentials filled in. The other endpoints are called the same way (GET with
`params=`), as the document's URLs show them, and their answers checked for the document's
field names, types and value formats. Exits non-zero on the first mismatch.
"""

import re
import sys
from decimal import Decimal

import requests

BASE = sys.argv[1].rstrip("/")
SHOP = {"shop_id": "101", "shop_key": "test_key_123"}
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def check_shop(shop_id, shop_key):
    # --- the document's sample, host swapped ---
    # Do'konni tekshirish
    response = requests.get(
        f"{BASE}/api/check_shop",
        params={
            "shop_id": shop_id,
            "shop_key": shop_key
        }
    )

    if response.status_code == 200:
        data = response.json()
        if data.get('success') and data.get('valid'):
            print("✅ Do'kon mavjud va aktiv")
        else:
            print(f"❌ Xatolik: {data.get('error')}")
    else:
        print(f"❌ Server xatosi: {response.status_code}")
    # --- end of the document's sample ---
    return response


def get(endpoint, **params):
    response = requests.get(f"{BASE}/api/{endpoint}", params=params)
    assert response.status_code == 200, (endpoint, response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    data = response.json()
    # The exact number tokens: parsed as Decimal, every amount keeps its two decimals.
    exact = response.json(parse_float=Decimal)
    return data, exact


def two_decimals(value):
    assert isinstance(value, Decimal), (value, type(value))
    assert value.as_tuple().exponent == -2, value
    return value


check_shop(SHOP["shop_id"], SHOP["shop_key"])
check_shop(SHOP["shop_id"], "wrong_key_000")

data, _ = get("check_shop", **SHOP)
assert data == {**data, "success": True, "valid": True, "shop_id": "101"}, data
data, _ = get("check_shop", shop_id="101", shop_key="wrong_key_000")
assert {k: data[k] for k in ("success", "valid", "error")} == {
    "success": False, "valid": False, "error": "Invalid shop key"}, data

# Do'kon balansini olish
data, exact = get("get_balance", **SHOP)
assert data["success"] is True and data["shop_id"] == "101", data
assert isinstance(data["balance"], float), data
balance = two_decimals(exact["balance"])
assert data["balance_formatted"] == f"{balance} UZS", data
print(f"💰 Balans: {data['balance_formatted']}")

# To'lov yaratish
data, exact = get("create_payment", amount="1000.00", **SHOP)
assert data["success"] is True, data
assert re.match(r"^PAY_\d+_[A-Za-z0-9]+$", data["payment_id"]), data
assert re.match(r"^ORD_\d+_[A-Za-z0-9]+$", data["order_id"]), data
assert data["shop_id"] == "101", data
assert two_decimals(exact["amount"]) == Decimal("1000.00"), data
assert data["amount_formatted"] == "1000.00 UZS", data
assert TIME.match(data["created_at"]), data
assert data["status"] == "pending", data
order_id = data["order_id"]
payment_id = data["payment_id"]
print(f"🧾 To'lov yaratildi: {order_id}")

# Minimal to'lov summasi 1000 UZS
data, _ = get("create_payment", amount="999.99", **SHOP)
assert data["success"] is False and data["error"], data

# To'lov holatini tekshirish
for ref in (order_id, payment_id):
    data, exact = get("check_payment", order_id=ref)
    assert data["success"] is True, data
    assert data["order_id"] == order_id, data
    assert data["shop_id"] == "101", data
    assert data["shop_name"] == "Test Do'kon 1", data
    assert two_decimals(exact["amount"]) == Decimal("1000.00"), data
    assert data["status"] in ("pending", "paid", "cancelled", "expired"), data
    assert isinstance(data["status_description"], str) and data["status_description"], data
    assert TIME.match(data["created_at"]), data
print(f"🔎 Holat: {data['status']} ({data['status_description']})")

# To'lovlar tarixi
data, exact = get("get_payments", limit=10, offset=0, **SHOP)
assert data["success"] is True and data["shop_id"] == "101", data
assert data["limit"] == 10 and data["offset"] == 0 and data["total"] >= 1, data
assert data["payments"][0]["order_id"] == order_id, "newest first"
for item in exact["payments"]:
    two_decimals(item["amount"])
print(f"📜 To'lovlar: {len(data['payments'])} / {data['total']}")

print("ALL OK")
