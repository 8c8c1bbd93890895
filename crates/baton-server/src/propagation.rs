//! The time to propagate a change (story 5): from a change to a partner's
//! records being saved to the first of the partner's consoles holding it.
//!
//! Counted only where it measures Baton rather than a switched-off laptop: for
//! changes saved while the pulling console's live stream was open on this node,
//! and not for the partner's own edits coming back to it. Each node knows its
//! own streams and pushes; the first delivery any node records stands.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

/// The most ranges of its own pushes kept per partner.
const MAX_OWN_RANGES: usize = 4096;

/// What this node knows of live consoles and of what it already recorded.
#[derive(Default)]
pub struct Propagation {
    /// Open live streams by session: since when, and how many.
    live: Mutex<HashMap<String, Live>>,
    inner: Mutex<Recorded>,
}

struct Live {
    since: DateTime<Utc>,
    streams: u32,
}

#[derive(Default)]
struct Recorded {
    /// Per partner, the newest seq whose first delivery this node recorded.
    upto: HashMap<String, i64>,
    /// Per partner, seq ranges `(after, upto]` its own pushes wrote.
    own: HashMap<String, Vec<(i64, i64)>>,
}

/// A first delivery: the change's seq, when it was saved, how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstDelivery {
    pub seq: i64,
    pub changed_at: String,
    pub lag_ms: i64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Held while a live stream is open; closing it forgets the stream.
pub struct LiveStream {
    of: Arc<Propagation>,
    session: String,
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        let mut live = lock(&self.of.live);
        if let Some(l) = live.get_mut(&self.session) {
            l.streams = l.streams.saturating_sub(1);
            if l.streams == 0 {
                live.remove(&self.session);
            }
        }
    }
}

impl Propagation {
    /// A console of `session` opened its live stream at `at`.
    pub fn stream_opened(self: &Arc<Self>, session: &str, at: DateTime<Utc>) -> LiveStream {
        let mut live = lock(&self.live);
        live.entry(session.to_string())
            .and_modify(|l| l.streams += 1)
            .or_insert(Live { since: at, streams: 1 });
        LiveStream {
            of: self.clone(),
            session: session.to_string(),
        }
    }

    /// Since when `session` has had a live stream open on this node.
    pub fn live_since(&self, session: &str) -> Option<DateTime<Utc>> {
        lock(&self.live).get(session).map(|l| l.since)
    }

    /// Partner `org`'s own push wrote seqs `(after, upto]`.
    pub fn own_push(&self, org: &str, after: i64, upto: i64) {
        if upto <= after {
            return;
        }
        let mut inner = lock(&self.inner);
        let own = inner.own.entry(org.to_string()).or_default();
        match own.last_mut() {
            // Back-to-back pushes (a partner's system sending all day) make one range.
            Some(last) if last.1 == after => last.1 = upto,
            _ => own.push((after, upto)),
        }
        // Ranges no live console has pulled yet are bounded: one that old, if it
        // is ever pulled, was saved before any stream open now and is not counted anyway.
        if own.len() > MAX_OWN_RANGES {
            let excess = own.len() - MAX_OWN_RANGES;
            own.drain(..excess);
        }
    }

    /// The changes on a page partner `org`'s console just received that no
    /// console of `org` had before, saved while that console was live (since
    /// `since`) and not by `org` itself. `saved` is `(seq, saved at)`, in seq order.
    pub fn first_deliveries(
        &self,
        org: &str,
        since: DateTime<Utc>,
        saved: &[(i64, String)],
        now: DateTime<Utc>,
    ) -> Vec<FirstDelivery> {
        let mut inner = lock(&self.inner);
        let upto = inner.upto.get(org).copied().unwrap_or(0);
        let own = inner.own.get(org).map(Vec::as_slice).unwrap_or_default();
        let out: Vec<FirstDelivery> = saved
            .iter()
            .filter(|(seq, _)| *seq > upto && !own.iter().any(|(a, b)| seq > a && seq <= b))
            .filter_map(|(seq, at)| {
                let changed = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
                (changed >= since).then(|| FirstDelivery {
                    seq: *seq,
                    // As every stored time is written, so periods compare as text.
                    changed_at: crate::wire::ts(changed),
                    lag_ms: (now - changed).num_milliseconds().max(0),
                })
            })
            .collect();
        if let Some(newest) = saved.last().map(|(seq, _)| *seq).filter(|s| *s > upto) {
            inner.upto.insert(org.to_string(), newest);
            if let Some(own) = inner.own.get_mut(org) {
                own.retain(|(_, b)| *b > newest);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).expect("time")
    }

    fn saved(rows: &[(i64, i64)]) -> Vec<(i64, String)> {
        rows.iter().map(|(seq, s)| (*seq, at(*s).to_rfc3339())).collect()
    }

    #[test]
    fn a_change_counts_once_for_its_first_live_console_and_never_the_partners_own() {
        let p = Arc::new(Propagation::default());
        let _stream = p.stream_opened("s1", at(10));
        assert_eq!(p.live_since("s1"), Some(at(10)));
        p.own_push("carrier", 3, 4);
        // Seq 1 was saved before the console was live; seq 4 is the partner's own edit.
        let first = p.first_deliveries("carrier", at(10), &saved(&[(1, 5), (2, 12), (4, 13)]), at(14));
        assert_eq!(
            first,
            vec![FirstDelivery {
                seq: 2,
                changed_at: crate::wire::ts(at(12)),
                lag_ms: 2000
            }]
        );
        // A second console of the same partner receiving seq 2 later changes nothing.
        assert!(p
            .first_deliveries("carrier", at(0), &saved(&[(2, 12)]), at(30))
            .is_empty());
        // Another partner's first delivery of its own copy is its own.
        assert_eq!(p.first_deliveries("hotel", at(0), &saved(&[(2, 12)]), at(13)).len(), 1);
    }

    #[test]
    fn a_partners_own_pushes_are_remembered_in_bounded_space() {
        let p = Propagation::default();
        for i in 0..10_000 {
            // Every other push follows on from the one before.
            let after = if i % 2 == 0 { i * 10 } else { i * 10 - 5 };
            p.own_push("carrier", after, i * 10 + 5);
        }
        let inner = lock(&p.inner);
        let own = &inner.own["carrier"];
        assert!(own.len() <= MAX_OWN_RANGES, "{}", own.len());
        assert_eq!(own.last(), Some(&(99_980, 99_995)), "the newest push is still known");
    }

    #[test]
    fn a_session_is_live_while_any_of_its_streams_is_open() {
        let p = Arc::new(Propagation::default());
        let a = p.stream_opened("s", at(1));
        let b = p.stream_opened("s", at(2));
        drop(a);
        assert_eq!(p.live_since("s"), Some(at(1)));
        drop(b);
        assert_eq!(p.live_since("s"), None);
    }
}
