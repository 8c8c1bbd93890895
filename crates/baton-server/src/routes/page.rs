//! The few plain web pages the server itself serves to people without an
//! account (a survey's question, a welcome link's password form): no script,
//! nothing loaded from elsewhere, never framed or cached, and no `Referer`
//! carrying the token in their address to anyone.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

/// A whole page: no script, nothing from elsewhere, never framed, never cached,
/// and no `Referer` carrying the link's token to anyone.
pub fn html_page(status: StatusCode, retailer: &str, main: Markup) -> Response {
    titled(status, retailer, "Baton", main)
}

/// [`html_page`] with its own title after the retailer's name.
pub fn titled(status: StatusCode, retailer: &str, title: &str, main: Markup) -> Response {
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (retailer) " — " (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header { (retailer) }
                main { (main) }
            }
        }
    };
    let mut res = (status, axum::response::Html(doc.into_string())).into_response();
    let headers = res.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    res
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1c2430;background:#f5f6f8}\
header{background:#1f3a5f;color:#fff;padding:12px 20px;font-weight:600}\
main{max-width:34rem;margin:24px auto;background:#fff;padding:20px 24px;border-radius:8px;box-shadow:0 1px 3px #0002}\
h1{font-size:1.25rem;margin:0 0 16px}fieldset{border:0;padding:0;margin:0 0 16px}legend{font-weight:600;margin-bottom:8px}\
.choice{display:flex;align-items:center;gap:10px;padding:8px 10px;border:1px solid #d5d9e0;border-radius:6px;margin-bottom:6px;cursor:pointer}\
.choice .n{font-weight:700;width:1.2em}textarea{width:100%;box-sizing:border-box;font:inherit;margin:6px 0 16px}\
button{font:inherit;background:#1f3a5f;color:#fff;border:0;border-radius:6px;padding:10px 18px;cursor:pointer}\
label{display:block;margin:8px 0 4px}\
input[type=password]{width:100%;box-sizing:border-box;font:inherit;padding:8px;margin-bottom:8px;border:1px solid #d5d9e0;border-radius:6px}\
.problem{color:#a4262c;font-weight:600}.small{color:#5b6675;font-size:.875rem;margin-top:16px}";
