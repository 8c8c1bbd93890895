//! Screen pop: a softphone (or anything else) opens `baton://customer?phone=…`,
//! `baton://customer?id=…`, `baton://search?q=…` or a `tel:` link, and the
//! console brings up the caller's record. The link is kept until the window
//! takes it, so one that arrives before sign-in is shown after it.

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use ts_rs::TS;

use crate::state::AppState;

/// Event poking the window that a screen pop is waiting (`screen_pop_take`).
pub const EVENT_SCREEN_POP: &str = "screen-pop";

/// What a link asks the console to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ScreenPop {
    /// A caller's number, as the phone system gave it (any common format).
    Phone {
        phone: String,
    },
    Customer {
        customer_id: String,
    },
    Search {
        query: String,
    },
}

/// Reads a link; `None` for anything that is not one of ours (ignored, logged).
pub fn parse(link: &str) -> Option<ScreenPop> {
    let url = url::Url::parse(link.trim()).ok()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty() && v.len() <= 200)
    };
    match url.scheme() {
        "tel" => {
            // tel:+44-7946-000202 or tel://07946000202; parameters (";ext=") dropped.
            let raw = url.as_str().trim_start_matches("tel:").trim_start_matches("//");
            let raw = raw.split([';', '?']).next().unwrap_or_default();
            let phone = percent_decode(raw);
            let ok = phone.chars().any(|c| c.is_ascii_digit())
                && phone.len() <= 40
                && phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
            ok.then(|| ScreenPop::Phone { phone: e164(phone) })
        }
        "baton" => match url.host_str()? {
            "customer" => {
                if let Some(phone) = param("phone") {
                    Some(ScreenPop::Phone { phone: e164(phone) })
                } else {
                    param("id").map(|customer_id| ScreenPop::Customer { customer_id })
                }
            }
            "search" => param("q").map(|query| ScreenPop::Search { query }),
            _ => None,
        },
        _ => None,
    }
}

/// The number in E.164 when it is a valid one (so the console shows it one way
/// and stores it as the server will); else as given, for the search to try.
fn e164(phone: String) -> String {
    baton_proto::contact::normalize_phone(&phone).unwrap_or(phone)
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// Keeps the newest link for the window and pokes it; brings the window forward.
pub fn deliver(app: &AppHandle, links: &[String]) {
    let Some(pop) = links.iter().rev().find_map(|l| parse(l)) else {
        if !links.is_empty() {
            // Not the links themselves: a tel: link is a customer's number.
            tracing::warn!(count = links.len(), "ignoring a link Baton does not understand");
        }
        return;
    };
    tracing::info!("screen pop");
    if let Some(state) = app.try_state::<AppState>() {
        state.set_screen_pop(pop);
    }
    crate::desktop::bring_forward(app);
    if let Err(e) = app.emit(EVENT_SCREEN_POP, ()) {
        tracing::warn!(error = %e, "poking the window about a screen pop");
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, ScreenPop};

    fn phone(p: &str) -> Option<ScreenPop> {
        Some(ScreenPop::Phone { phone: p.into() })
    }

    #[test]
    fn baton_links() {
        assert_eq!(parse("baton://customer?phone=%2B447946000202"), phone("+447946000202"));
        assert_eq!(parse("baton://customer?phone=07946%20000202"), phone("+447946000202"));
        assert_eq!(
            parse("baton://customer?id=cus_000001"),
            Some(ScreenPop::Customer {
                customer_id: "cus_000001".into()
            })
        );
        assert_eq!(
            parse("baton://search?q=J-200011"),
            Some(ScreenPop::Search {
                query: "J-200011".into()
            })
        );
    }

    #[test]
    fn tel_links() {
        assert_eq!(parse("tel:+44-7946-000202"), phone("+447946000202"));
        assert_eq!(parse("tel:+447946000202;ext=12"), phone("+447946000202"));
        assert_eq!(parse("tel:07946%20000202"), phone("+447946000202"));
        // Not a valid number: passed on as given, for the search to try.
        assert_eq!(parse("tel:12345"), phone("12345"));
    }

    #[test]
    fn anything_else_is_ignored() {
        for link in [
            "",
            "https://example.com/?phone=1",
            "baton://customer",
            "baton://customer?phone=",
            "baton://admin?phone=1",
            "tel:not-a-number",
            "tel:+44<script>",
            "baton://customer?phone=",
        ] {
            assert_eq!(parse(link), None, "{link}");
        }
    }
}
