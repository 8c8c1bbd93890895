//! The one-question survey a customer answers from a link, with no account:
//! `/v1/surveys/{token}` for programs, `/s/{token}` as a plain web page (no
//! script) for people. The token is the only credential; an unknown, malformed,
//! answered or closed one gets a clear answer and records nothing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use baton_proto::{ApiError, SurveyAnswer, SurveyQuestion};
use maud::{html, Markup};

use super::page::titled;
use serde::Deserialize;

use crate::error::{status_for, ApiJson, ApiPath, ServerError};
use crate::mutations::{self, surveys, Ctx};
use crate::{store, AppState};

/// A token is 32 random bytes in unpadded base64url: anything else is no survey.
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn find(state: &AppState, token: String) -> Result<store::surveys::Found, ServerError> {
    if !well_formed(&token) {
        return Err(ServerError::not_found("survey"));
    }
    let hash = crate::auth::token_hash(&token);
    state
        .db
        .read(move |tx| store::surveys::by_token_hash(tx, &hash))
        .await?
        .ok_or_else(|| ServerError::not_found("survey"))
}

async fn question_of(state: &AppState, token: String) -> Result<SurveyQuestion, ServerError> {
    let found = find(state, token).await?;
    if found.answered_at.is_none() {
        surveys::check_open(&found, state.now())?;
    }
    state.db.read(move |tx| surveys::question(tx, &found)).await
}

async fn record(state: &AppState, token: String, answer: SurveyAnswer) -> Result<SurveyQuestion, ServerError> {
    let found = find(state, token).await?;
    let now = state.now();
    let (question, touched, head) = state
        .db
        .write(move |tx| {
            let caller = mutations::system_caller(tx)?;
            let mut ctx = Ctx::new(tx, &caller, &found.customer_id, now);
            ctx.by = "The customer (survey)".into();
            surveys::answer(&mut ctx, &found, &answer)?;
            let touched = std::mem::take(&mut ctx.touched);
            let mut question = surveys::question(tx, &found)?;
            question.answered_at = Some(now);
            Ok((question, touched, crate::feed::head(tx)?))
        })
        .await?;
    state.poke(head, touched.into_iter().collect());
    Ok(question)
}

/// A survey's question, for whoever holds its link (no account).
#[utoipa::path(get, operation_id = "survey_question", path = "/v1/surveys/{token}", tag = "surveys",
    params(("token" = String, Path, description = "The token of the survey's link", pattern = "^[A-Za-z0-9_-]{43}$")),
    responses((status = 200, description = "The question; `answered_at` is set once it is answered", body = SurveyQuestion),
              (status = 404, description = "No survey has this link", body = ApiError),
              (status = 410, description = "The survey closed unanswered (30 days)", body = ApiError)))]
pub async fn get(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<ApiJson<SurveyQuestion>, ServerError> {
    Ok(ApiJson(question_of(&state, token).await?))
}

/// Answers a survey, once: recorded as the customer's feedback on the
/// organisation that did the work.
#[utoipa::path(post, operation_id = "answer_survey", path = "/v1/surveys/{token}", tag = "surveys", request_body = SurveyAnswer,
    params(("token" = String, Path, description = "The token of the survey's link", pattern = "^[A-Za-z0-9_-]{43}$")),
    responses((status = 200, description = "Recorded", body = SurveyQuestion),
              (status = 404, description = "No survey has this link", body = ApiError),
              (status = 409, description = "Already answered", body = ApiError),
              (status = 410, description = "The survey closed unanswered (30 days)", body = ApiError),
              (status = 413, description = "The body is too large", body = ApiError),
              (status = 422, description = "A rating outside 1-5, or a comment over 4,000 characters", body = ApiError)))]
pub async fn answer(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(answer): ApiJson<SurveyAnswer>,
) -> Result<ApiJson<SurveyQuestion>, ServerError> {
    Ok(ApiJson(record(&state, token, answer).await?))
}

/// The page's form: a rating, and words if the customer wants to add any.
#[derive(Debug, Deserialize)]
pub struct PageForm {
    csat: Option<String>,
    #[serde(default)]
    comment: String,
}

/// The survey as a web page.
pub async fn page(State(state): State<AppState>, axum::extract::Path(token): axum::extract::Path<String>) -> Response {
    match question_of(&state, token).await {
        Ok(q) if q.answered_at.is_some() => titled(StatusCode::OK, &q.retailer, "one question", thanks(&q, true)),
        Ok(q) => titled(StatusCode::OK, &q.retailer, "one question", form(&q, None, "")),
        Err(e) => error_page(&state, e).await,
    }
}

/// The page's form, posted.
pub async fn page_answer(
    State(state): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
    form_data: Result<Form<PageForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(posted)) = form_data else {
        return error_page(
            &state,
            ServerError::bad_request("the answer could not be read: please try again"),
        )
        .await;
    };
    let csat = match posted.csat.as_deref().map(str::parse::<u8>) {
        Some(Ok(c)) if (1..=5).contains(&c) => c,
        _ => {
            // Say what is wrong on the same form, keeping what was written.
            return match question_of(&state, token).await {
                Ok(q) if q.answered_at.is_none() => titled(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &q.retailer,
                    "one question",
                    form(&q, Some("Please choose a rating from 1 to 5."), &posted.comment),
                ),
                Ok(q) => titled(StatusCode::OK, &q.retailer, "one question", thanks(&q, true)),
                Err(e) => error_page(&state, e).await,
            };
        }
    };
    let answer = SurveyAnswer {
        csat,
        comment: posted.comment,
    };
    match record(&state, token, answer).await {
        Ok(q) => titled(StatusCode::OK, &q.retailer, "one question", thanks(&q, false)),
        Err(e) => error_page(&state, e).await,
    }
}

fn form(q: &SurveyQuestion, problem: Option<&str>, comment: &str) -> Markup {
    const LABELS: [&str; 5] = [
        "Very dissatisfied",
        "Dissatisfied",
        "Neither",
        "Satisfied",
        "Very satisfied",
    ];
    html! {
        h1 { (q.question) }
        @if let Some(problem) = problem {
            p.problem role="alert" { (problem) }
        }
        form method="post" {
            fieldset {
                legend { "Your rating" }
                @for (i, label) in LABELS.iter().enumerate() {
                    label.choice {
                        input type="radio" name="csat" value=(i + 1) required;
                        span.n { (i + 1) }
                        span { (label) }
                    }
                }
            }
            label for="comment" { "Anything you would like to add? (optional)" }
            textarea id="comment" name="comment" maxlength="4000" rows="4" { (comment) }
            button type="submit" { "Send my answer" }
        }
        p.small { "No account needed. This link can be answered once, until "
            (q.expires_at.format("%-d %B %Y")) "." }
    }
}

fn thanks(q: &SurveyQuestion, before: bool) -> Markup {
    html! {
        h1 { "Thank you" }
        @if before {
            p { "This survey about " (q.subject) " has been answered already." }
        } @else {
            p { "Your answer about " (q.subject) " has been recorded. It helps " (q.org_name) " and us do better." }
        }
    }
}

async fn error_page(state: &AppState, e: ServerError) -> Response {
    let retailer = state
        .db
        .read(|tx| store::orgs::retailer(tx))
        .await
        .map_or_else(|_| "Customer care".to_string(), |o| o.name);
    let status = status_for(e.code());
    if status.is_server_error() {
        tracing::error!(error = %e, "a survey page failed");
    }
    let words = match status {
        StatusCode::NOT_FOUND => {
            "This survey link is not known. Please check that the whole link was copied.".to_string()
        }
        StatusCode::GONE => "This survey has closed. Thank you all the same.".to_string(),
        StatusCode::CONFLICT => "This survey has been answered already. Thank you.".to_string(),
        StatusCode::UNPROCESSABLE_ENTITY => e.to_string(),
        _ => "Something went wrong on our side: please try the link again later.".to_string(),
    };
    titled(
        status,
        &retailer,
        "one question",
        html! { h1 { "Survey" } p { (words) } },
    )
}
