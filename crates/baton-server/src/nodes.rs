//! Several server nodes on one PostgreSQL database: a commit on one node pokes
//! the live streams on every other (LISTEN/NOTIFY), so a console connected to
//! node B hears of an edit made through node A as fast as one on A.

use std::time::Duration;

use crate::{AppState, Committed};

/// The notification channel of commits.
pub const CHANNEL: &str = "baton_commits";

/// What a node tells the others of a commit.
#[derive(Debug, PartialEq, Eq)]
pub struct Poke {
    pub node: String,
    pub seq: i64,
    pub scopes: Vec<String>,
}

impl Poke {
    /// `node|seq|scope,scope…` (scopes and node ids hold no `|` or `,`).
    pub fn encode(node: &str, seq: i64, scopes: &[String]) -> String {
        format!("{node}|{seq}|{}", scopes.join(","))
    }

    pub fn decode(payload: &str) -> Option<Poke> {
        let mut parts = payload.splitn(3, '|');
        let node = parts.next()?.to_string();
        let seq = parts.next()?.parse().ok()?;
        let scopes = parts
            .next()?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Some(Poke { node, seq, scopes })
    }
}

/// Listens for the other nodes' commits until the server stops, on a thread of
/// its own (the driver blocks), reconnecting after a lost connection.
pub fn listen(state: AppState) {
    std::thread::spawn(move || {
        let stopped = || state.shutdown.is_cancelled();
        let mut wait = Duration::from_millis(100);
        while !stopped() {
            let heard = state.db.listen_blocking(
                CHANNEL,
                |payload| match Poke::decode(payload) {
                    Some(p) if p.node != state.node => {
                        // Before the pokes: a console they wake must not be served a page read before it.
                        state.db.saw_commit();
                        state.deliveries.notify_one();
                        let _ = state.commits.send(Committed {
                            seq: p.seq,
                            scopes: p.scopes,
                        });
                    }
                    Some(_) => {}
                    None => tracing::warn!("a commit notification could not be read"),
                },
                stopped,
            );
            match heard {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "listening for other nodes' commits failed; listening again");
                    // Back off while the database is away.
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::Poke;

    #[test]
    fn pokes_round_trip_and_garbage_is_refused() {
        let scopes = vec!["internal".to_string(), "org:brightline".to_string()];
        let p = Poke::decode(&Poke::encode("n1", 42, &scopes)).expect("decodes");
        assert_eq!(
            p,
            Poke {
                node: "n1".into(),
                seq: 42,
                scopes
            }
        );
        assert!(Poke::decode("n1|x|internal").is_none());
        assert!(Poke::decode("nothing").is_none());
    }
}
