//! "Changed since you looked": what someone else changed on a record after this
//! user last opened it, worked out from the record itself (contact points carry
//! who changed them and when; everything else leaves a timeline entry).

use std::collections::HashMap;

use baton_proto::{Customer, TimelineKind};
use chrono::{DateTime, Utc};

use crate::view::ChangeMarker;

/// The markers for `customer` since `since`, leaving out what `me` (as
/// "name (organisation)") did. One marker per target: the newest change.
pub fn changes_since(customer: &Customer, since: DateTime<Utc>, me: &str) -> Vec<ChangeMarker> {
    let mut newest: HashMap<String, ChangeMarker> = HashMap::new();
    let mut add = |m: ChangeMarker| {
        let keep = newest.get(&m.target).is_none_or(|old| old.at < m.at);
        if keep {
            newest.insert(m.target.clone(), m);
        }
    };
    for person in &customer.people {
        for cp in &person.contacts {
            if cp.updated_at > since && cp.updated_by != me {
                add(ChangeMarker {
                    target: format!("contact:{}", cp.id),
                    by: cp.updated_by.clone(),
                    at: cp.updated_at,
                    what: format!("{}'s {} changed", person.name, cp.label),
                });
            }
        }
    }
    for e in customer.timeline.iter().filter(|e| e.at > since && e.author != me) {
        let marker = |target: String| ChangeMarker {
            target,
            by: e.author.clone(),
            at: e.at,
            what: e.text.clone(),
        };
        add(marker(format!("timeline:{}", e.id)));
        let about = match e.kind {
            TimelineKind::JobStatus
            | TimelineKind::JobAssigned
            | TimelineKind::JobContact
            | TimelineKind::JobCreated
            | TimelineKind::JobRescheduled => e.job_id.as_ref().map(|id| format!("job:{id}")),
            TimelineKind::TicketOpened | TimelineKind::TicketEscalated | TimelineKind::TicketStatus => {
                e.ticket_id.as_ref().map(|id| format!("ticket:{id}"))
            }
            _ => None,
        };
        if let Some(target) = about {
            add(marker(target));
        }
    }
    // Callbacks and promises someone else made since.
    let callbacks = customer
        .callbacks
        .iter()
        .map(|cb| ("callback", &cb.id, &cb.created_by, cb.created_at, "new callback"));
    let promises = customer
        .commitments
        .iter()
        .map(|cm| ("commitment", &cm.id, &cm.created_by, cm.created_at, "new promise"));
    for (kind, id, by, at, what) in callbacks.chain(promises) {
        if at > since && by != me {
            add(ChangeMarker {
                target: format!("{kind}:{id}"),
                by: by.clone(),
                at,
                what: what.into(),
            });
        }
    }
    let mut out: Vec<ChangeMarker> = newest.into_values().collect();
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.target.cmp(&b.target)));
    out
}
