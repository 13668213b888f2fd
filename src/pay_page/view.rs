//! What the pay page shows, worked out from an order: plain strings for the template, so the
//! template does no formatting of its own.

use super::i18n::Lang;
use payments_core::{OrderStatus, OrderView};
use time::OffsetDateTime;
use time::macros::format_description;

/// The page's options from the query string: the language and the shop's return link.
#[derive(Clone, Debug)]
pub struct PageOptions {
    pub lang: Lang,
    pub return_url: Option<ReturnUrl>,
}

impl PageOptions {
    /// The query string that keeps these options on the page's own links (`?lang=uz&return=…`).
    pub fn query(&self, lang: Lang) -> String {
        let mut query = format!("?lang={}", lang.code());
        if let Some(ret) = &self.return_url {
            query.push_str("&return=");
            query.push_str(&encode_component(&ret.href));
        }
        query
    }
}

/// A shop's return link (`?return=`), accepted only when it is a plain `https://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnUrl {
    pub href: String,
    /// Shown beside the link, so the payer sees where it goes.
    pub host: String,
}

impl ReturnUrl {
    /// `https://host[:port][/path][?query][#fragment]`, at most 512 printable ASCII characters,
    /// no user part (`https://shop.uz@elsewhere`), no quotes or angle brackets. Anything else
    /// is ignored, never an error: the page is still shown.
    pub fn parse(text: &str) -> Option<ReturnUrl> {
        if text.len() > 512
            || !text
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"\"'<>\\`".contains(&b))
        {
            return None;
        }
        let rest = text
            .get(..8)
            .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
            .and_then(|_| text.get(8..))?;
        let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host_port
            .rsplit_once(':')
            .filter(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host_port, |(host, _)| host);
        let labels_ok = host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if host.is_empty() || !labels_ok {
            return None;
        }
        Some(ReturnUrl {
            href: text.to_owned(),
            host: host.to_ascii_lowercase(),
        })
    }
}

/// Everything the pay page of one order shows.
#[derive(Clone, Debug)]
pub struct PageView {
    pub token: String,
    pub shop_name: String,
    pub order_code: String,
    /// `50 000.01`
    pub amount: String,
    /// `50000.01`: what the copy button copies.
    pub amount_plain: String,
    /// `8600 3104 9512 6224` and `8600310495126224`.
    pub card: Option<(String, String)>,
    /// As the payer should see it now: an overdue pending order is expired.
    pub status: OrderStatus,
    pub seconds_left: i64,
    /// The deadline in the configured offset, `HH:MM`.
    pub expires_local: String,
    pub demo: bool,
}

impl PageView {
    pub fn new(
        view: &OrderView,
        now: OffsetDateTime,
        expires_local: OffsetDateTime,
        demo: bool,
    ) -> PageView {
        let order = &view.order;
        let status = order.effective_status(now);
        PageView {
            token: order.codes.pay_token.clone(),
            shop_name: view.shop_name.clone(),
            order_code: order.codes.code.clone(),
            amount: order.payable_amount.grouped(),
            amount_plain: order.payable_amount.to_string(),
            card: order
                .card
                .as_ref()
                .map(|c| (group_card(c.as_str()), c.as_str().to_owned())),
            status,
            seconds_left: if status == OrderStatus::Pending {
                order.seconds_left(now)
            } else {
                0
            },
            expires_local: expires_local
                .format(format_description!("[hour]:[minute]"))
                .unwrap_or_default(),
            demo,
        }
    }
}

/// The status endpoint's answer for an order: `{"status": …, "seconds_left": N}`.
pub fn status_json(view: &OrderView, now: OffsetDateTime) -> serde_json::Value {
    let status = view.order.effective_status(now);
    let seconds_left = if status == OrderStatus::Pending {
        view.order.seconds_left(now)
    } else {
        0
    };
    serde_json::json!({ "status": status.as_str(), "seconds_left": seconds_left })
}

/// `8600310495126224` → `8600 3104 9512 6224`.
pub fn group_card(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 4);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// `4:59`, `04:59` style countdown text: `mm:ss`, or `h:mm:ss` from an hour up.
pub fn countdown(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, s) = (s / 3600, s % 3600 / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay as they are).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_group_in_fours() {
        assert_eq!(group_card("8600310495126224"), "8600 3104 9512 6224");
        assert_eq!(group_card(""), "");
    }

    #[test]
    fn countdown_text() {
        assert_eq!(countdown(299), "04:59");
        assert_eq!(countdown(0), "00:00");
        assert_eq!(countdown(-5), "00:00");
        assert_eq!(countdown(3725), "1:02:05");
    }

    #[test]
    fn return_urls_are_https_only() {
        let ok = ReturnUrl::parse("https://Shop.uz/thanks?order=1#top");
        assert_eq!(ok.map(|r| r.host), Some("shop.uz".to_owned()));
        assert_eq!(
            ReturnUrl::parse("https://shop.uz:8443").map(|r| r.host),
            Some("shop.uz".to_owned())
        );
        for bad in [
            "http://shop.uz/",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "https://shop.uz@evil.example/",
            "https://shop..uz/",
            "https://shop.uz/\"><script>",
            "https://shop.uz/ a",
            "//shop.uz/",
            "",
        ] {
            assert_eq!(ReturnUrl::parse(bad), None, "{bad}");
        }
        assert_eq!(
            ReturnUrl::parse(&format!("https://a.uz/{}", "x".repeat(600))),
            None
        );
    }

    #[test]
    fn query_components_are_encoded() {
        assert_eq!(
            encode_component("https://a.uz/x?y=1&z=ü"),
            "https%3A%2F%2Fa.uz%2Fx%3Fy%3D1%26z%3D%C3%BC"
        );
    }
}
