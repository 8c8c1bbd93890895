//! The page an emailed invitation links to: `/welcome/{code}`, where the new
//! user chooses their password with no account yet. The code is the one the
//! Admin view shows (and the console's sign-in screen takes); it works once,
//! a wrong one counts against the address like a failed sign-in, and the page
//! records nothing else.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Form};
use maud::html;
use serde::Deserialize;

use super::page::titled;

/// A page of this flow, titled for it.
fn show(status: StatusCode, retailer: &str, main: maud::Markup) -> Response {
    titled(status, retailer, "your password", main)
}
use crate::error::{status_for, ServerError};
use crate::{store, AppState};

async fn retailer(state: &AppState) -> String {
    state
        .db
        .read(|tx| store::orgs::retailer(tx))
        .await
        .map_or_else(|_| "Baton".to_string(), |o| o.name)
}

fn form(problem: Option<&str>) -> maud::Markup {
    html! {
        h1 { "Choose your Baton password" }
        p { "You sign in to Baton with it, under the username in your invitation." }
        @if let Some(problem) = problem {
            p.problem role="alert" { (problem) }
        }
        form method="post" {
            label for="password" { "Password (at least 12 characters)" }
            input id="password" name="password" type="password" autocomplete="new-password" minlength="12" maxlength="1024" required;
            label for="repeat" { "The same again" }
            input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="12" maxlength="1024" required;
            button type="submit" { "Set my password" }
        }
        p.small { "This link works once. Nobody will ever ask you for this password, by phone or by email." }
    }
}

fn unusable() -> maud::Markup {
    html! {
        h1 { "This link cannot be used" }
        p { "It has been used already, it has expired, or it was not copied whole. Ask your administrator for a new invitation." }
    }
}

/// The password form. It does not look the code up: whether a code is good is
/// told only when it is used, where failures count against the address like
/// every sign-in, so the page is no oracle for guessing codes.
pub async fn page(State(state): State<AppState>, Path(_code): Path<String>) -> Response {
    show(StatusCode::OK, &retailer(&state).await, form(None))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

/// Sets the password with the code, once.
pub async fn set_password(
    State(state): State<AppState>,
    Path(code): Path<String>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    posted: Result<Form<PasswordForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let retailer = retailer(&state).await;
    let Ok(Form(posted)) = posted else {
        return show(StatusCode::UNPROCESSABLE_ENTITY, &retailer, unusable());
    };
    let again = |problem: &str| show(StatusCode::UNPROCESSABLE_ENTITY, &retailer, form(Some(problem)));
    if posted.password != posted.repeat {
        return again("The two passwords are not the same.");
    }
    let addr = super::auth::client_addr(&state, peer.map(|p| p.0 .0), &headers);
    match crate::auth::accept_invite(&state, code, posted.password, addr).await {
        Ok((token, user)) => {
            // The page signs nobody in: the session the code opened ends here.
            if let Err(e) = crate::auth::logout(&state, &token).await {
                tracing::warn!(error = %e, "ending the welcome page's session");
            }
            tracing::info!(user = %user.username, "password set from an emailed link");
            show(
                StatusCode::OK,
                &retailer,
                html! {
                    h1 { "Your password is set" }
                    p { "Open Baton and sign in as " strong { (user.username) } " with it." }
                },
            )
        }
        Err(ServerError::Api(code, message)) if status_for(code) == StatusCode::UNPROCESSABLE_ENTITY => again(&message),
        Err(ServerError::Throttled(wait)) => show(
            StatusCode::TOO_MANY_REQUESTS,
            &retailer,
            html! { h1 { "Too many attempts" } p { "Please wait " (wait) " seconds and try again." } },
        ),
        Err(ServerError::Api(..)) => show(StatusCode::NOT_FOUND, &retailer, unusable()),
        Err(e) => {
            tracing::error!(error = %e, "setting a password from a welcome link");
            show(StatusCode::INTERNAL_SERVER_ERROR, &retailer, unusable())
        }
    }
}
