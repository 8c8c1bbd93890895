//! One-question surveys: sent to the customer after a job completes or a ticket
//! resolves, answered by link with no account, recorded as feedback on the
//! organisation that did the work.
//!
//! The link's token is 32 random bytes. The survey keeps only its SHA-256; the
//! token waits on the survey's confirmation row until the message goes out and
//! is cleared then. No document, timeline entry, audit row or feed page holds it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use baton_proto::validate::{self, MAX_TEXT};
use baton_proto::{
    Channel, ContactKind, DeliveryStatus, JobStatus, SurveyAnswer, SurveyQuestion, SurveySubject, SurveySubjectKind,
    Text, TextArg, TicketStatus, TimelineKind, SURVEY_DAYS,
};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;

use super::Ctx;
use crate::docs;
use crate::error::ServerError;
use crate::store::{self, Conn};
use crate::wire::ts;

/// What a survey is about, as its question and the record name it.
struct About {
    org_id: String,
    org_name: String,
    job_id: Option<String>,
    ticket_id: Option<String>,
    /// The person asked: the job's contact, else the account holder.
    person_id: Option<String>,
    /// The job or ticket, as an argument of a record's text.
    arg: TextArg,
}

pub fn send_survey(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    survey_id: &str,
    about: &SurveySubject,
) -> Result<(), ServerError> {
    ctx.require_internal("send a survey")?;
    validate::id("survey_id", survey_id)?;
    validate::id("about.id", &about.id)?;
    let customer = ctx.customer(customer_id)?;
    let subject = match about.kind {
        SurveySubjectKind::Job => {
            let job = docs::visible_job(ctx.conn, &ctx.scope, &about.id)?;
            if job.customer_id != customer.id {
                return Err(ServerError::bad_request("that job belongs to another customer"));
            }
            if job.status != JobStatus::Completed {
                return Err(ServerError::bad_request(format!(
                    "job {} is {}: a survey follows a completed job",
                    job.number,
                    job.status.as_str()
                )));
            }
            About {
                org_id: job.org_id.clone(),
                org_name: job.org_name.clone(),
                job_id: Some(job.id.clone()),
                ticket_id: None,
                person_id: job.contact_person_id.clone(),
                arg: TextArg::job(&job.id, &job.number),
            }
        }
        SurveySubjectKind::Ticket => {
            let ticket = customer
                .tickets
                .iter()
                .find(|t| t.id == about.id)
                .ok_or_else(|| ServerError::not_found("ticket"))?;
            if !matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed) {
                return Err(ServerError::bad_request(format!(
                    "case {} is still open: a survey follows a resolved case",
                    ticket.number
                )));
            }
            About {
                org_id: ticket.owner_org_id.clone(),
                org_name: ticket.owner_org_name.clone(),
                job_id: None,
                ticket_id: Some(ticket.id.clone()),
                person_id: None,
                arg: TextArg::ticket(&ticket.id, &ticket.number),
            }
        }
    };
    let is_job = about.kind == SurveySubjectKind::Job;
    if let Some(sent) = store::surveys::sent_for(ctx.conn, is_job, &about.id)? {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            format!(
                "a survey about this {} was already sent on {}: one survey per {0}",
                if is_job { "job" } else { "case" },
                baton_proto::text::iso_minute(sent)
            ),
        ));
    }
    ctx.require_new("surveys", survey_id)?;
    // The whole record, not the caller's view: who may be messaged is the
    // customer's choice, whoever asks.
    let whole = docs::load_customers(ctx.conn, &[customer_id.to_string()])?
        .into_iter()
        .next()
        .ok_or_else(|| ServerError::not_found("customer"))?;
    let Some((person_id, channel, recipient)) = ctx.message_target(&whole, subject.person_id.as_deref()) else {
        return Err(ServerError::bad_request(
            "the customer has no email address or mobile number they agreed to be contacted on: no survey can be sent",
        ));
    };

    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let confirmation_id = uuid::Uuid::new_v4().to_string();
    store::surveys::insert(
        ctx.conn,
        &store::surveys::NewSurvey {
            id: survey_id,
            token_hash: &crate::auth::token_hash(&token),
            customer_id,
            org_id: &subject.org_id,
            job_id: subject.job_id.as_deref(),
            ticket_id: subject.ticket_id.as_deref(),
            person_id: person_id.as_deref(),
            confirmation_id: &confirmation_id,
            sent_by: &ctx.by,
            created_at: &ctx.at,
            expires_at: &ts(ctx.now + Duration::days(SURVEY_DAYS)),
        },
    )?;
    let question = Text::new(
        "One-question survey: how satisfied with {0} by {1}?",
        vec![subject.arg.clone(), TextArg::quote(&subject.org_name)],
    );
    store::confirmations::insert(
        ctx.conn,
        &store::confirmations::NewConfirmation {
            id: &confirmation_id,
            customer_id,
            person_id: person_id.as_deref(),
            channel: Some(channel),
            recipient: Some(&recipient),
            summary: &question,
            changed_by: &ctx.by,
            org_id: ctx.org(),
            at: &ctx.at,
            status: DeliveryStatus::Pending,
            survey: Some((survey_id, &token)),
        },
    )?;
    let (kind, how) = match channel {
        Channel::Email => (ContactKind::Email, "Survey queued by email to {0}: "),
        Channel::Sms => (ContactKind::Phone, "Survey queued by SMS to {0}: "),
    };
    let said = Text::new(how, vec![TextArg::contact(kind, person_id.as_deref(), &recipient)]).then("", &question);
    ctx.timeline(
        customer_id,
        TimelineKind::Survey,
        &said,
        subject.job_id.as_deref(),
        subject.ticket_id.as_deref(),
    )?;
    ctx.audit("send_survey", "survey", survey_id, None, &question.render())?;
    ctx.publish_customer(customer_id, &[])
}

/// The question a survey's link shows.
pub fn question(conn: &dyn Conn, found: &store::surveys::Found) -> Result<SurveyQuestion, ServerError> {
    let retailer = store::orgs::retailer(conn)?.name;
    let (subject, what) = match (&found.job_number, &found.ticket_number) {
        (Some(number), _) => (format!("job {number}"), "the work done"),
        (None, Some(number)) => (format!("case {number}"), "how your case was handled"),
        (None, None) => return Err(ServerError::not_found("survey")),
    };
    Ok(SurveyQuestion {
        question: format!("How satisfied are you with {what} by {} ({subject})?", found.org_name),
        retailer,
        org_name: found.org_name.clone(),
        subject,
        expires_at: found.expires_at,
        answered_at: found.answered_at,
    })
}

/// Whether a survey can still be answered at `now`.
pub fn check_open(found: &store::surveys::Found, now: DateTime<Utc>) -> Result<(), ServerError> {
    if found.answered_at.is_some() {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            "this survey has been answered already: thank you".into(),
        ));
    }
    if found.expires_at <= now {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Gone,
            "this survey has closed: its link worked for 30 days".into(),
        ));
    }
    Ok(())
}

/// Records the customer's answer: feedback on the organisation rated, on the
/// record's timeline, once.
pub fn answer(ctx: &mut Ctx<'_>, found: &store::surveys::Found, answer: &SurveyAnswer) -> Result<(), ServerError> {
    if !(1..=5).contains(&answer.csat) {
        return Err(ServerError::bad_request("csat must be between 1 and 5"));
    }
    let comment = answer.comment.trim();
    if comment.chars().count() > MAX_TEXT {
        return Err(ServerError::bad_request(format!(
            "comment must be at most {MAX_TEXT} characters"
        )));
    }
    check_open(found, ctx.now)?;
    let feedback_id = uuid::Uuid::new_v4().to_string();
    if !store::surveys::mark_answered(ctx.conn, &found.id, &ctx.at, &feedback_id)? {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            "this survey has been answered already: thank you".into(),
        ));
    }
    store::feedback::insert(
        ctx.conn,
        &store::feedback::NewFeedback {
            id: &feedback_id,
            customer_id: &found.customer_id,
            org_id: &found.org_id,
            job_id: found.job_id.as_deref(),
            ticket_id: found.ticket_id.as_deref(),
            csat: Some(answer.csat),
            nps: None,
            comment,
            reasked: None,
            at: &ctx.at,
            source: store::feedback::Source::Survey,
        },
    )?;
    let subject = match (&found.job_id, &found.job_number, &found.ticket_id, &found.ticket_number) {
        (Some(id), Some(number), _, _) => TextArg::job(id, number),
        (_, _, Some(id), Some(number)) => TextArg::ticket(id, number),
        _ => return Err(ServerError::not_found("survey")),
    };
    ctx.timeline(
        &found.customer_id,
        TimelineKind::Feedback,
        &Text::new(
            &format!(
                "The customer answered the survey on {{0}} by {{1}}: CSAT {}/5. {{2}}",
                answer.csat
            ),
            vec![subject, TextArg::quote(&found.org_name), TextArg::quote(comment)],
        ),
        found.job_id.as_deref(),
        found.ticket_id.as_deref(),
    )?;
    ctx.audit("answer_survey", "survey", &found.id, None, comment)?;
    let customer_id = found.customer_id.clone();
    ctx.publish_customer(&customer_id, &[])
}
