//! Texts the server writes about a customer ("Confirmation queued by email to
//! {0}", "{0} will call you back on {1}"): a template with numbered
//! placeholders and the values it refers to, kept apart. The scope rule masks a
//! value the viewer may not see (a partner is told "a phone number", never the
//! number), and each console renders times in its own locale. Words a person
//! wrote travel as [`TextArg::Quote`], so nothing they type is ever read as a
//! placeholder.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::domain::ContactKind;

/// One value a server-written text refers to, as `{n}` in its template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum TextArg {
    /// A phone number (E.164) or email address of one of the customer's people.
    /// `value` is `None` for a viewer who may not see it.
    Contact {
        kind: ContactKind,
        person_id: Option<String>,
        value: Option<String>,
    },
    /// One of the customer's people; both are `None` for a viewer who may not see them.
    Person {
        person_id: Option<String>,
        name: Option<String>,
    },
    /// A partner job, by number; both are `None` for a viewer whose work it is not.
    Job {
        job_id: Option<String>,
        number: Option<String>,
    },
    /// A ticket, by number; both are `None` for a viewer whose work it is not.
    Ticket {
        ticket_id: Option<String>,
        number: Option<String>,
    },
    /// A moment, shown in the viewer's own time zone and format.
    Time { at: DateTime<Utc> },
    /// Words a person wrote (a note, a request, a promise), shown as written.
    Quote { text: String },
}

impl TextArg {
    pub fn contact(kind: ContactKind, person_id: Option<&str>, value: &str) -> TextArg {
        TextArg::Contact {
            kind,
            person_id: person_id.map(str::to_string),
            value: Some(value.to_string()),
        }
    }

    pub fn person(person_id: &str, name: &str) -> TextArg {
        TextArg::Person {
            person_id: Some(person_id.to_string()),
            name: Some(name.to_string()),
        }
    }

    pub fn job(job_id: &str, number: &str) -> TextArg {
        TextArg::Job {
            job_id: Some(job_id.to_string()),
            number: Some(number.to_string()),
        }
    }

    pub fn ticket(ticket_id: &str, number: &str) -> TextArg {
        TextArg::Ticket {
            ticket_id: Some(ticket_id.to_string()),
            number: Some(number.to_string()),
        }
    }

    pub fn quote(text: &str) -> TextArg {
        TextArg::Quote { text: text.to_string() }
    }

    pub fn time(at: DateTime<Utc>) -> TextArg {
        TextArg::Time { at }
    }

    /// The value as a viewer reads it, with what they may not see described, not shown.
    /// A time is written in ISO 8601 (UTC, to the minute): no format of the server's
    /// choosing; the console shows it in the user's locale and time zone.
    pub fn shown(&self) -> String {
        self.shown_with(&iso_minute)
    }

    /// [`TextArg::shown`], with times written by `time` (a message to a customer
    /// gives them in the retailer's time zone, in words).
    pub fn shown_with(&self, time: &dyn Fn(DateTime<Utc>) -> String) -> String {
        match self {
            TextArg::Contact {
                kind, value: Some(v), ..
            } => match kind {
                ContactKind::Phone => crate::contact::display_phone(v),
                ContactKind::Email => v.clone(),
            },
            TextArg::Contact { kind, value: None, .. } => match kind {
                ContactKind::Phone => "a phone number".to_string(),
                ContactKind::Email => "an email address".to_string(),
            },
            TextArg::Person { name: Some(n), .. } => n.clone(),
            TextArg::Person { name: None, .. } => "another person on the account".to_string(),
            TextArg::Job { number: Some(n), .. } | TextArg::Ticket { number: Some(n), .. } => n.clone(),
            TextArg::Job { number: None, .. } => "a job of another organisation".to_string(),
            TextArg::Ticket { number: None, .. } => "a ticket of another organisation".to_string(),
            TextArg::Time { at } => time(*at),
            TextArg::Quote { text } => text.clone(),
        }
    }
}

/// A text the server writes: a constant template and the values it refers to.
/// Everything that is not the server's own wording is an argument.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub template: String,
    pub args: Vec<TextArg>,
}

impl Text {
    pub fn new(template: &str, args: Vec<TextArg>) -> Text {
        Text {
            template: template.to_string(),
            args,
        }
    }

    /// A text with no values in it.
    pub fn plain(template: &str) -> Text {
        Text::new(template, Vec::new())
    }

    pub fn render(&self) -> String {
        render(&self.template, &self.args)
    }

    /// The text with its times written by `time` (see [`TextArg::shown_with`]).
    pub fn render_with(&self, time: &dyn Fn(DateTime<Utc>) -> String) -> String {
        substitute(&self.template, |n| self.args.get(n).map(|a| a.shown_with(time)))
    }

    /// This text with `more` after it, its placeholders numbered on from ours.
    pub fn then(mut self, joiner: &str, more: &Text) -> Text {
        let shift = self.args.len();
        self.template.push_str(joiner);
        self.template.push_str(&renumber(&more.template, shift));
        self.args.extend(more.args.iter().cloned());
        self
    }
}

/// A moment as the server writes it into text: `2026-12-03T10:00Z`.
pub fn iso_minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%MZ").to_string()
}

/// `template` with every `{n}` made `{n + by}`.
fn renumber(template: &str, by: usize) -> String {
    substitute(template, |n| Some(format!("{{{}}}", n + by)))
}

/// Fills `{n}` in `template` with `args[n]` (see [`TextArg::shown`]). A
/// placeholder with no argument is left as written; templates are the server's
/// own, never user input.
pub fn render(template: &str, args: &[TextArg]) -> String {
    substitute(template, |n| args.get(n).map(TextArg::shown))
}

/// `template` with each `{n}` replaced by `with(n)`, or left as written when that is `None`.
fn substitute(template: &str, mut with: impl FnMut(usize) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let found = after
            .find('}')
            .and_then(|close| after[..close].parse::<usize>().ok().map(|n| (n, close)))
            .and_then(|(n, close)| with(n).map(|v| (v, close)));
        match found {
            Some((value, close)) => {
                out.push_str(&value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_take_their_values_and_quotes_stay_as_written() {
        let args = [
            TextArg::contact(ContactKind::Phone, Some("p1"), "+447946000202"),
            TextArg::quote("call me {0} at {9}"),
        ];
        assert_eq!(
            render("On {0}: {1} {2}", &args),
            "On +44 7946 000202: call me {0} at {9} {2}"
        );
    }

    #[test]
    fn joined_texts_keep_their_own_values() {
        let to = Text::new("queued to {0}", vec![TextArg::quote("a")]);
        let what = Text::new("{0} then {1}", vec![TextArg::quote("b"), TextArg::quote("c")]);
        let both = to.then(": ", &what);
        assert_eq!(both.template, "queued to {0}: {1} then {2}");
        assert_eq!(both.render(), "queued to a: b then c");
    }

    #[test]
    fn times_are_iso_8601_for_the_console_to_show_or_written_as_the_caller_says() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T10:00:59Z")
            .expect("time")
            .with_timezone(&Utc);
        let t = Text::new("by {0}", vec![TextArg::time(at)]);
        assert_eq!(t.render(), "by 2026-12-03T10:00Z");
        assert_eq!(t.render_with(&|at| at.format("%H:%M").to_string()), "by 10:00");
    }

    #[test]
    fn a_hidden_value_is_described_not_shown() {
        let args = [
            TextArg::Contact {
                kind: ContactKind::Email,
                person_id: None,
                value: None,
            },
            TextArg::Person {
                person_id: None,
                name: None,
            },
        ];
        assert_eq!(
            render("to {0} for {1}", &args),
            "to an email address for another person on the account"
        );
    }
}
