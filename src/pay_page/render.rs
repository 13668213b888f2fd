//! The pay page's HTML, written with maud: the markup is Rust checked at compile time, and
//! every value put into it is HTML-escaped unless wrapped in `PreEscaped` (only the page's
//! own CSS and script are).

use super::i18n::{Lang, Texts, texts};
use super::view::{PageOptions, PageView, countdown};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use payments_core::OrderStatus;

const CSS: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

fn layout(lang: Lang, nonce: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex, nofollow";
                meta name="referrer" content="no-referrer";
                // No favicon request: the page loads nothing but itself.
                link rel="icon" href="data:,";
                title { (title) }
                style nonce=(nonce) { (PreEscaped(CSS)) }
            }
            body { (body) }
        }
    }
}

fn language_links(t: &Texts, current: Lang, options: &PageOptions) -> Markup {
    html! {
        footer {
            nav aria-label=(t.title) {
                @for lang in Lang::ALL {
                    a href=(options.query(lang)) hreflang=(lang.code())
                        aria-current=[(lang == current).then_some("page")] {
                        (lang.native_name())
                    }
                }
            }
            p.note { "Kassa" }
        }
    }
}

/// The page of one order, in whichever state it is.
pub fn page(view: &PageView, options: &PageOptions, nonce: &str) -> Markup {
    let lang = options.lang;
    let t = texts(lang);
    let now = view.status;
    let shown = |status: OrderStatus| status == now;
    let pending = shown(OrderStatus::Pending);
    let title = format!("{} · {}", t.title, view.shop_name);
    let body = html! {
        main #pay data-status=(now.as_str()) data-seconds-left=(view.seconds_left)
            data-status-url={ "/pay/" (view.token) "/status" } {
            section.box.top {
                div {
                    p.label { (t.shop) }
                    p.shop #shop-name { (view.shop_name) }
                }
                p.order { (t.order) " " code #order-code { (view.order_code) } }
            }

            section.banner.st-pending #state-pending data-show="pending" hidden[!pending] {
                h1 { (t.waiting) }
                p {
                    (t.time_left) ": "
                    span.clock #countdown { (countdown(view.seconds_left)) }
                }
                p.note { (t.expires_at) " " (view.expires_local) }
            }
            section.banner.st-paid #state-paid data-show="paid" hidden[!shown(OrderStatus::Paid)] {
                h1 { (t.paid) }
                p { (t.paid_note) }
                @if let Some(ret) = &options.return_url {
                    a.back #return href=(ret.href) rel="noreferrer noopener" {
                        (t.return_to_shop) " (" (ret.host) ")"
                    }
                }
            }
            section.banner.st-expired #state-expired data-show="expired" hidden[!shown(OrderStatus::Expired)] {
                h1 { (t.expired) }
                p { (t.expired_note) }
            }
            section.banner.st-cancelled #state-cancelled data-show="cancelled" hidden[!shown(OrderStatus::Cancelled)] {
                h1 { (t.cancelled) }
                p { (t.cancelled_note) }
            }

            section.box {
                p.label {
                    span data-show="pending" hidden[!pending] { (t.amount) }
                    span data-show="paid cancelled expired" hidden[pending] { (t.amount_final) }
                }
                div.row {
                    p.amount { span #amount-value { (view.amount) } " " span.cur { (t.currency) } }
                    button.copy type="button" data-copy=(view.amount_plain) data-done=(t.copied)
                        data-show="pending" hidden { (t.copy) }
                }
                div #exact data-show="pending" hidden[!pending] {
                    p.exact { (t.exact) }
                    p.why { (t.exact_why) }
                }
            }

            section.box data-show="pending" hidden[!pending] {
                p.label { (t.card) }
                @if let Some((grouped, digits)) = &view.card {
                    div.row {
                        p.cardno #card { (grouped) }
                        button.copy type="button" data-copy=(digits) data-done=(t.copied) hidden { (t.copy) }
                    }
                } @else {
                    p { (t.no_card) }
                }
            }

            section.box data-show="pending" hidden[!pending] {
                ol.steps {
                    @for step in t.steps { li { (step) } }
                }
                noscript { p.note { (t.no_script) } }
            }

            @if view.demo {
                form.box.sandbox #sandbox method="post"
                    action={ "/pay/" (view.token) "/sandbox" (options.query(lang)) }
                    data-show="pending" hidden[!pending] {
                    span.badge { (t.sandbox_badge) }
                    button #sandbox-pay type="submit" { (t.sandbox_button) }
                    p { (t.sandbox_note) }
                }
            }

            (language_links(t, lang, options))
        }
        script nonce=(nonce) { (PreEscaped(SCRIPT)) }
    };
    layout(lang, nonce, &title, body)
}

/// The friendly page of an unknown or malformed token, or of a server that cannot answer now.
pub fn message(
    options: &PageOptions,
    nonce: &str,
    title: fn(&Texts) -> &'static str,
    text: fn(&Texts) -> &'static str,
) -> Markup {
    let t = texts(options.lang);
    let body = html! {
        main #message {
            section.banner.st-expired {
                h1 { (title(t)) }
                p { (text(t)) }
            }
            (language_links(t, options.lang, options))
        }
    };
    layout(options.lang, nonce, title(t), body)
}
