//! The page an emailed invitation links to: `/welcome/{code}`, where the new
//! user chooses their password with no account yet. The code is the one the
//! Admin view shows (and the console's sign-in screen takes); it works once,
//! throttled per address like every sign-in, and the page records nothing else.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Form};
use maud::html;
use serde::Deserialize;

use super::page::html_page;
use crate::error::{status_for, ServerError};
use crate::{store, AppState};

/// Whom a code is for, while it can still be used: their name and username.
async fn invited(state: &AppState, code: &str) -> Result<Option<(String, String)>, ServerError> {
    if code.len() > 100 {
        return Ok(None);
    }
    let hash = crate::admin::code_hash(code);
    let now = crate::wire::ts(state.now());
    state
        .db
        .read(move |tx| {
            let Some(id) = store::user_codes::peek(tx, &hash, &now)? else {
                return Ok(None);
            };
            Ok(store::users::by_id(tx, &id)?.map(|a| (a.user.display_name, a.user.username)))
        })
        .await
}

async fn retailer(state: &AppState) -> String {
    state
        .db
        .read(|tx| store::orgs::retailer(tx))
        .await
        .map_or_else(|_| "Baton".to_string(), |o| o.name)
}

fn form(name: &str, username: &str, problem: Option<&str>) -> maud::Markup {
    html! {
        h1 { "Welcome, " (name) }
        p { "Choose the password you will sign in to Baton with, as " strong { (username) } "." }
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

/// The password form, for a code that can still be used.
pub async fn page(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let retailer = retailer(&state).await;
    match invited(&state, &code).await {
        Ok(Some((name, username))) => html_page(StatusCode::OK, &retailer, form(&name, &username, None)),
        Ok(None) => html_page(StatusCode::NOT_FOUND, &retailer, unusable()),
        Err(e) => {
            tracing::error!(error = %e, "a welcome page failed");
            html_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &retailer,
                html! { h1 { "Something went wrong" } p { "Please try the link again later." } },
            )
        }
    }
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
        return html_page(StatusCode::UNPROCESSABLE_ENTITY, &retailer, unusable());
    };
    let who = match invited(&state, &code).await {
        Ok(Some(who)) => who,
        Ok(None) => return html_page(StatusCode::NOT_FOUND, &retailer, unusable()),
        Err(e) => {
            tracing::error!(error = %e, "a welcome page failed");
            return html_page(StatusCode::INTERNAL_SERVER_ERROR, &retailer, unusable());
        }
    };
    let again = |problem: &str| {
        html_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &retailer,
            form(&who.0, &who.1, Some(problem)),
        )
    };
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
            html_page(
                StatusCode::OK,
                &retailer,
                html! {
                    h1 { "Your password is set" }
                    p { "Open Baton and sign in as " strong { (user.username) } " with it." }
                },
            )
        }
        Err(ServerError::Api(code, message)) if status_for(code) == StatusCode::UNPROCESSABLE_ENTITY => again(&message),
        Err(ServerError::Throttled(wait)) => html_page(
            StatusCode::TOO_MANY_REQUESTS,
            &retailer,
            html! { h1 { "Too many attempts" } p { "Please wait " (wait) " seconds and try again." } },
        ),
        Err(ServerError::Api(..)) => html_page(StatusCode::NOT_FOUND, &retailer, unusable()),
        Err(e) => {
            tracing::error!(error = %e, "setting a password from a welcome link");
            html_page(StatusCode::INTERNAL_SERVER_ERROR, &retailer, unusable())
        }
    }
}
