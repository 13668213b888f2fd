//! The dialect's part of Kassa's OpenAPI document ([`RasmiyDoc`]): `/api` for GET and POST,
//! its parameters, and its answers. The answers' schemas are derived from the types that
//! [`render`](crate::render) and [`errors`](crate::errors) serialise, so the document follows
//! the code; the route itself is described where it is handled ([`crate::handlers::api`]).

use crate::errors::{ApiError, ErrorBody};
use crate::render::{Cancelled, Checked, CheckedData, Created, CreatedData, ShopData, ShopInfo};
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The RasmiyPay dialect's OpenAPI paths and schemas; the `kassa` binary merges it into its
/// document (`GET /openapi.json`).
#[derive(OpenApi, Debug)]
#[openapi(
    paths(crate::handlers::api),
    components(schemas(
        Params,
        Method,
        Answer,
        Created,
        CreatedData,
        Checked,
        CheckedData,
        Cancelled,
        ShopInfo,
        ShopData,
        ErrorBody
    )),
    modifiers(&OptionalBodies),
    tags((name = "RasmiyPay", description = "The RasmiyPay dialect: one path, `/api`, for GET and POST; the `method` parameter picks the call. Business errors answer HTTP 200 with `status: error` and a stable `code`. See docs/rasmiypay.md."))
)]
pub struct RasmiyDoc;

/// The dialect reads its parameters from the query string or the body, so a body is optional.
#[derive(Debug)]
struct OptionalBodies;

impl utoipa::Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [item.get.as_mut(), item.post.as_mut()]
                .into_iter()
                .flatten()
            {
                if let Some(utoipa::openapi::RefOr::T(body)) = op.request_body.as_mut() {
                    body.required = Some(utoipa::openapi::Required::False);
                }
            }
        }
    }
}

/// Which call a request makes; without one, the request is the shop-information call.
/// Any ASCII case is accepted (`CREATE`), spaces around it are ignored.
#[derive(ToSchema)]
#[schema(as = RasmiyMethod)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // a schema only
pub(crate) enum Method {
    Create,
    Check,
    Cancel,
}

/// The parameters of every call, in the query string, the body, or both (as PHP's
/// `$_REQUEST`: the body wins over the query; within one source a repeated name's last value
/// wins). Every value is text; in a JSON body numbers are allowed and read as the exact text
/// written (`50000.00` never passes through a float).
#[derive(ToSchema, IntoParams)]
#[schema(as = RasmiyParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // a schema only: the handler reads the parameters as text
pub(crate) struct Params {
    /// `create`, `check` or `cancel`; absent for shop information.
    #[param(inline)]
    method: Option<Method>,
    /// The shop's id (digits). `create` and shop information.
    #[schema(schema_with = text_or_number)]
    #[param(value_type = Option<String>, example = "695008")]
    shop_id: Option<String>,
    /// The shop's key. `create` and shop information.
    #[param(example = "Z631XLBO7O")]
    #[schema(example = "Z631XLBO7O")]
    shop_key: Option<String>,
    /// `create`: som, digits with at most two decimals (`50000`, `50000.00`, `1000.5`); no
    /// signs, exponents or separators; at most the server's `KASSA_MAX_AMOUNT`.
    #[schema(schema_with = text_or_number)]
    #[param(value_type = Option<String>, example = "50000")]
    amount: Option<String>,
    /// `check` and `cancel`: the order code, or the order's `PAY_…` id (either dialect's).
    #[param(example = "iu2dia2cbqf82yis0za4i4ax")]
    #[schema(example = "iu2dia2cbqf82yis0za4i4ax")]
    order: Option<String>,
}

/// Any answer of `/api` with HTTP 200: which one depends on `method`, and a business error is
/// an HTTP 200 too.
#[derive(ToSchema)]
#[schema(as = RasmiyAnswer)]
#[serde(untagged)]
#[allow(dead_code)] // a schema only
pub(crate) enum Answer<'a> {
    Created(Created<'a>),
    Checked(Checked<'a>),
    Cancelled(Cancelled<'a>),
    ShopInfo(ShopInfo<'a>),
    Error(ErrorBody),
}

/// The `code` of an error: one of [`ApiError::CODES`].
pub(crate) fn error_code() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "Stable, machine-readable: branch on this, not on the message.",
        ))
        .enum_values(Some(ApiError::CODES))
        .examples(["order_not_found"])
        .build()
}

/// A value a form sends as text and a JSON body may send as a number.
fn text_or_number() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Number]))
        .build()
}

/// The operation's description.
pub(crate) const API_DESCRIPTION: &str = "\
One path for every call; `method` picks it:

| `method` | call | parameters |
|---|---|---|
| `create` | make a pending order | `shop_id`, `shop_key`, `amount` |
| `check` | an order's status | `order` |
| `cancel` | cancel a pending order | `order` |
| (none) | shop information | `shop_id`, `shop_key` |

Parameters come from the query string and the body (`application/x-www-form-urlencoded`, \
`multipart/form-data`, or a JSON object; a body without a known type is read as JSON when it \
starts with `{`), as PHP's `$_REQUEST`. A body is read for GET as well as POST.

**Amounts and balances are answered as strings** of som: whole sums without decimals \
(`\"50000\"`), others with two (`\"1000.50\"`); money is never a float. Times are \
`YYYY-MM-DD HH:MM:SS` in the server's offset (`KASSA_UTC_OFFSET`, +05:00 by default).

Every error has the body `{\"status\":\"error\",\"message\":\"…\",\"code\":\"…\"}`. Business \
errors answer **HTTP 200** (the document's clients read the body); unreadable requests 400, \
405 or 413, throttling 429, faults 500 or 503, with the same body.";

#[cfg(test)]
mod doc_tests {
    use super::RasmiyDoc;
    use utoipa::OpenApi;

    #[test]
    fn documents_every_route() {
        let doc = RasmiyDoc::openapi();
        for (method, path) in crate::ROUTES {
            let item = doc
                .paths
                .paths
                .get(*path)
                .unwrap_or_else(|| panic!("{path}"));
            let op = match *method {
                "GET" => item.get.as_ref(),
                "POST" => item.post.as_ref(),
                other => panic!("{other}"),
            };
            assert!(op.is_some(), "{method} {path}");
        }
        let json = doc.to_json().unwrap_or_default();
        for code in crate::errors::ApiError::CODES {
            assert!(json.contains(&format!("\"{code}\"")), "{code}");
        }
    }
}
