"""Schemathesis hooks for the orders API's contract test (see schemathesis.toml).

Two kinds of case need help, each for a reason written beside it:
- requests the generator cannot make meaningful on its own (a fresh Idempotency-Key per order,
  orders created without a customer resource);
- answers the API is right to give where a check expects another (EXPECTED_ANSWERS).
"""

import json
import pathlib
import re
import uuid

import schemathesis

# Answers the API is right to give although a check expects another, by
# (check, operationId or "*", status, problem code), each with why. A failure is dropped only
# when all four match; every other failure of these checks still fails the run.
EXPECTED_ANSWERS = {
    ("positive_data_acceptance", "listOrders", 400, "INVALID_CURSOR"): (
        "a cursor must be the nextCursor of an earlier page of the same query; any other string "
        "of the documented length is refused, and the schema cannot list the cursors issued"
    ),
    ("positive_data_acceptance", "createOrder", 422, "UNKNOWN_SKU"): (
        "a SKU must be in the stage's catalog; the schema can say what a SKU looks like, not which "
        "SKUs exist, so most generated SKUs are rightly unknown"
    ),
    ("positive_data_acceptance", "createOrder", 409, "PRICE_CHANGED"): (
        "unitPriceCents asserts the price the buyer was shown; a generated price that is not the "
        "catalog's is rightly refused with the current prices"
    ),
    **{
        ("positive_data_acceptance", operation, 403, "FORBIDDEN"): (
            "the run calls as the storefront consumer, whose token has no incidents.operate scope: "
            "the operator routes rightly refuse it (tests/e2e/paging.test.ts calls them as oncall)"
        )
        for operation in ("listIncidents", "getIncident", "acknowledgeIncident", "resolveIncident")
    },
    ("unsupported_method", "*", 404, "ROUTE_NOT_FOUND"): (
        "API Gateway answers a method a path does not have with its MISSING_AUTHENTICATION_TOKEN "
        "gateway response, which the API maps to 404 ROUTE_NOT_FOUND (no 405 with Allow); the "
        "local runtime answers as the deployed gateway does"
    ),
}

# Inputs that name something the API does not create, so the stateful phase does not wait for a
# producer that does not exist: customerId is the client's own reference for its customer.
NOT_API_RESOURCES = {"Customer"}

IDEMPOTENCY_HEADER = "Idempotency-Key"
VALID_KEY = re.compile(r"^[A-Za-z0-9_-]{8,128}$")


@schemathesis.hook
def after_load_schema(context, schema):
    """Lets POST /orders start stateful scenarios (create, then get, then cancel).

    Schemathesis guesses from the field name that customerId refers to a Customer resource and,
    finding no operation that creates one, would never start a scenario with POST /orders.
    """
    for node in schema.analysis.dependency_graph.operations.values():
        node.inputs[:] = [slot for slot in node.inputs if slot.resource.name not in NOT_API_RESOURCES]


@schemathesis.hook
def before_call(context, case, kwargs):
    """Makes every valid Idempotency-Key unique to its request.

    The generator repeats simple values ("00000000") across requests with different bodies, and
    the API is right to answer a key reused with another body with 422 IDEMPOTENCY_KEY_REUSED
    (the e2e idempotency tests prove it). A valid key stays valid (same alphabet, at most 128
    characters); an invalid one is sent as generated, so negative cases stay negative.
    """
    _use_catalog_skus(case.body)
    headers = case.headers or {}
    key = headers.get(IDEMPOTENCY_HEADER)
    if isinstance(key, str) and VALID_KEY.match(key):
        headers[IDEMPOTENCY_HEADER] = f"{key[:95]}-{uuid.uuid4().hex}"


# The local runtime loads this catalog at start; generated orders name its SKUs so that valid
# orders are accepted and the stateful phase can follow create -> get -> list -> cancel.
_CATALOG = json.loads(
    (pathlib.Path(__file__).resolve().parents[2] / "ops" / "catalog" / "sample.json").read_text()
)["items"]
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _use_catalog_skus(body):
    """Points a generated order's lines at SKUs the catalog sells, each once.

    The schema can say what a SKU looks like, not which SKUs exist or that an order names each
    SKU once (rules the e2e catalog tests prove: 422 UNKNOWN_SKU, 400 for a repeated SKU). So
    each line with a well-formed SKU gets a distinct sample SKU priced in the order's currency,
    and a unitPriceCents it carries becomes that SKU's catalog price (the price a buyer was
    shown). Malformed SKUs are left as generated, so negative cases stay negative; an order with
    more lines than the sample catalog has SKUs gets distinct SKUs of its own, and is answered
    422 UNKNOWN_SKU.
    """
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return
    currency = body.get("currency", "EUR")
    sellable = [
        entry
        for entry in _CATALOG
        if entry.get("active") and isinstance(currency, str) and currency in entry.get("prices", {})
    ]
    lines = [item for item in items if isinstance(item, dict) and isinstance(item.get("sku"), str)]
    if len(lines) != len(items) or not all(_SKU.match(item["sku"]) for item in lines):
        return
    if len(lines) > len(sellable):
        # More lines than sample SKUs: distinct, unknown SKUs (422 UNKNOWN_SKU, expected above).
        for index, item in enumerate(lines):
            item["sku"] = f"{item['sku'][:56]}-line{index}"
        return
    for item, entry in zip(lines, sellable):
        item["sku"] = entry["sku"]
        if isinstance(item.get("unitPriceCents"), int) and not isinstance(item["unitPriceCents"], bool):
            item["unitPriceCents"] = entry["prices"][currency]


def _problem_code(response):
    try:
        return json.loads(response.text)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure except the answers listed in EXPECTED_ANSWERS."""
    operation_id = case.operation.definition.raw.get("operationId")
    code = _problem_code(response)
    for check in getattr(failure, "checks", ()):
        for scope in (operation_id, "*"):
            if (check, scope, response.status_code, code) in EXPECTED_ANSWERS:
                return False
    return True
