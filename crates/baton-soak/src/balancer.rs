//! A TCP load balancer in front of several server nodes, for tests: each new
//! connection goes to the next node in turn, and to the one after it when that
//! node refuses (is down), as a load balancer with health checks would. A
//! node's connections end with it; the consoles reconnect, to another node.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct Balancer {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Balancer {
    pub async fn start(nodes: Vec<SocketAddr>) -> std::io::Result<Balancer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let nodes = Arc::new(nodes);
        let next = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (nodes, next) = (nodes.clone(), next.clone());
                tokio::spawn(async move {
                    let first = next.fetch_add(1, Ordering::Relaxed);
                    for i in 0..nodes.len() {
                        let node = nodes[(first + i) % nodes.len()];
                        if let Ok(mut upstream) = TcpStream::connect(node).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                            return;
                        }
                    }
                    // Every node is down: the client sees its connection close.
                });
            }
        });
        Ok(Balancer { addr, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
