//! Reads one request's parameters: its query string and its body (read here, as bytes, under
//! [`MAX_BODY_BYTES`]), merged by [`Params::merge`].

use crate::params::{self, BodyKind, MAX_BODY_BYTES, Pair, ParamError, Params};
use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use actix_web::web::{Bytes, Payload};
use futures_util::StreamExt;
use std::time::Duration;

/// How long a body may take to arrive: a client trickling one in holds no more than this.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The request's merged parameters, or why they cannot be read.
pub async fn read_params(req: &HttpRequest, payload: Payload) -> Result<Params, ParamError> {
    let query = params::parse_urlencoded(req.query_string().as_bytes())?;
    if declared_length(req.headers()).is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ParamError::TooLarge);
    }
    let read = actix_web::rt::time::timeout(BODY_TIMEOUT, payload.to_bytes_limited(MAX_BODY_BYTES));
    let body = match read.await {
        Ok(Ok(Ok(bytes))) => bytes,
        Ok(Ok(Err(_))) | Err(_) => return Err(ParamError::Unreadable),
        Ok(Err(_)) => return Err(ParamError::TooLarge),
    };
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("invalid/invalid"));
    let body = match BodyKind::of(content_type) {
        BodyKind::Multipart if !body.iter().all(u8::is_ascii_whitespace) => {
            parse_multipart(req.headers(), body).await?
        }
        kind => params::parse_body(kind, &body)?,
    };
    Ok(Params::merge(query, body))
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The fields of a `multipart/form-data` body. File parts (those with a `filename`) are left
/// out, as PHP puts them in `$_FILES`, not `$_REQUEST`.
async fn parse_multipart(headers: &HeaderMap, body: Bytes) -> Result<Vec<Pair>, ParamError> {
    let stream = futures_util::stream::once(async move { Ok(body) });
    let mut multipart = Multipart::new(headers, stream);
    let mut pairs = Vec::new();
    let mut parts = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| ParamError::MalformedMultipart)?;
        parts += 1;
        let (name, is_file) = match field.content_disposition() {
            Some(cd) => (
                cd.get_name().map(str::to_owned),
                cd.get_filename().is_some(),
            ),
            None => (None, false),
        };
        let bytes = match field.bytes(MAX_BODY_BYTES).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => return Err(ParamError::MalformedMultipart),
            Err(_) => return Err(ParamError::TooLarge),
        };
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            continue;
        };
        if is_file {
            continue;
        }
        let name = params::checked_text(name.into_bytes())?;
        pairs.push((name, params::checked_text(bytes.to_vec())?));
    }
    // RFC 2046 wants at least one part; a bare closing delimiter is not a multipart body.
    if parts == 0 {
        return Err(ParamError::MalformedMultipart);
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests;
