//! Feed pages shared by the consoles that ask for the same one. After a commit
//! every live console of the scopes it touched is poked and pulls the same page
//! at once (500 of them in `make bench`): the first to ask reads it, the rest
//! wait for it and are sent the same bytes.
//!
//! A page read before a commit this node made or heard of (`Db::commits`) is
//! never served after it: a console poked about a change asks after the poke,
//! so the page it gets was read after the change committed. Pages are kept for
//! a second at most, for commits no poke announced.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::sync::OnceCell;

use crate::error::ServerError;

/// How long a page is shared at most.
const KEPT: Duration = Duration::from_secs(1);

/// Which page: the same scope, cursor, size and protocol read the same changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub scope: String,
    pub after: i64,
    pub limit: usize,
    pub protocol: u32,
}

/// A page as sent, and the changes on it (seq, when saved) for the scorecard.
#[derive(Debug)]
pub struct SharedPage {
    pub body: Bytes,
    pub saved: Vec<(i64, String)>,
}

struct Slot {
    commits: u64,
    made: Instant,
    page: OnceCell<Arc<SharedPage>>,
}

impl Slot {
    fn current(&self, commits: u64) -> bool {
        self.commits == commits && self.made.elapsed() < KEPT
    }
}

#[derive(Default)]
pub struct SharedPages {
    slots: Mutex<HashMap<PageKey, Arc<Slot>>>,
}

impl SharedPages {
    /// The page `key` as read after the `commits`-th commit: shared when another
    /// request read it or is reading it, else read by `read`. A failed read is
    /// not kept (the next request reads again).
    pub async fn get<F, Fut>(&self, key: PageKey, commits: u64, read: F) -> Result<Arc<SharedPage>, ServerError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<SharedPage, ServerError>>,
    {
        let slot = {
            let mut slots = self
                .slots
                .lock()
                .map_err(|_| ServerError::Internal("shared pages poisoned".into()))?;
            match slots.get(&key) {
                Some(slot) if slot.current(commits) => slot.clone(),
                _ => {
                    slots.retain(|_, s| s.current(commits));
                    let slot = Arc::new(Slot {
                        commits,
                        made: Instant::now(),
                        page: OnceCell::new(),
                    });
                    slots.insert(key, slot.clone());
                    slot
                }
            }
        };
        slot.page
            .get_or_try_init(|| async { read().await.map(Arc::new) })
            .await
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key(after: i64) -> PageKey {
        PageKey {
            scope: "internal".into(),
            after,
            limit: 500,
            protocol: 2,
        }
    }

    fn page(text: &str) -> SharedPage {
        SharedPage {
            body: Bytes::from(text.to_string()),
            saved: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_page_is_read_once_for_everyone_until_the_next_commit() {
        let pages = SharedPages::default();
        let reads = AtomicUsize::new(0);
        let read = |text: &'static str| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(page(text))
            }
        };
        let asks = (0..50).map(|_| pages.get(key(7), 3, read("before")));
        let answers = futures_util::future::join_all(asks).await;
        assert!(answers.iter().all(|a| a.as_ref().is_ok_and(|p| p.body == "before")));
        assert_eq!(reads.load(Ordering::SeqCst), 1, "fifty asks, one read");
        // Another cursor is another page.
        pages.get(key(8), 3, read("other")).await.expect("other");
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        // After a commit the page is read again.
        let after = pages.get(key(7), 4, read("after")).await.expect("after");
        assert_eq!(after.body, "after");
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_read_is_not_shared() {
        let pages = SharedPages::default();
        let failed = pages
            .get(key(1), 0, || async { Err(ServerError::Internal("down".into())) })
            .await;
        assert!(failed.is_err());
        let next = pages
            .get(key(1), 0, || async { Ok(page("up")) })
            .await
            .expect("read again");
        assert_eq!(next.body, "up");
    }
}
