//! Waking on changes: `LISTEN` on the schema's channel, on a connection of its own.

use std::time::Duration;

use platform_core::store::StoreError;
use tokio::sync::watch;

use super::PostgresStore;
use super::errors::pg_error;

/// A listener for the change feed of one schema: [`ChangeListener::wait`] returns as soon as
/// any process commits a change (or after a timeout). It keeps a connection of its own, and
/// reconnects when it drops; a reader resumes from its last sequence number with
/// [`StateStore::changes`](platform_core::store::StateStore::changes), so a change made while
/// the connection was down is still read, only noticed at the next wake-up or timeout.
pub struct ChangeListener {
    latest: watch::Receiver<u64>,
    /// Stops with the listener.
    _task: AbortOnDrop,
}

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeListener")
            .field("latest", &*self.latest.borrow())
            .finish_non_exhaustive()
    }
}

impl ChangeListener {
    /// Waits until a change with a sequence number above `seen` is announced, or `timeout`
    /// passes; returns the highest announced sequence number (0 when none was announced).
    pub async fn wait(&mut self, seen: u64, timeout: Duration) -> u64 {
        let _ = tokio::time::timeout(timeout, self.latest.wait_for(|&s| s > seen)).await;
        *self.latest.borrow()
    }

    /// Waits, without a timeout, until a change above `seen` is announced.
    pub async fn changed(&mut self, seen: u64) -> Result<(), StoreError> {
        self.latest
            .wait_for(|&s| s > seen)
            .await
            .map(drop)
            .map_err(|_| StoreError::Unavailable("the change listener stopped".into()))
    }

    /// The highest sequence number announced so far (0 when none).
    pub fn latest(&self) -> u64 {
        *self.latest.borrow()
    }
}

impl PostgresStore {
    /// Starts listening on this schema's channel; the first connection is made before this
    /// returns, so a change committed after it is announced.
    pub async fn listen(&self) -> Result<ChangeListener, StoreError> {
        // The schema must exist before its channel's head can be read.
        drop(self.client().await?);
        let (tx, rx) = watch::channel(0u64);
        let config = self.config.clone();
        let channel = self.channel();
        let counters = self.table("counters");
        let place = self.place.clone();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let task = AbortOnDrop(tokio::spawn(async move {
            let mut ready = Some(ready_tx);
            loop {
                let result = listen_once(&config, &channel, &counters, &tx, &mut ready).await;
                if let Some(ready) = ready.take() {
                    let _ = ready.send(result.map_err(|e| {
                        pg_error(&format!("cannot listen for changes in {place}"), &e)
                    }));
                    continue;
                }
                // The connection dropped: reconnect after a short pause; the next connection
                // announces the feed's head, so what was committed meanwhile is read.
                drop(result);
                tokio::time::sleep(RECONNECT_PAUSE).await;
            }
        }));
        // Dropped before it is ready (its caller gave up waiting), the task stops with its
        // connection: a caller that asks again in a loop must not leave one behind each time.
        match ready_rx.await {
            Ok(Ok(())) => Ok(ChangeListener {
                latest: rx,
                _task: task,
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(StoreError::Unavailable(format!(
                "cannot listen for changes in {}: the listener stopped",
                self.place
            ))),
        }
    }
}

/// A task aborted when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long the listener waits before connecting again after its connection dropped.
const RECONNECT_PAUSE: Duration = Duration::from_millis(200);

/// Connects, listens, announces the feed's head (what may have been missed while no
/// connection listened), then forwards notifications until the connection ends.
async fn listen_once(
    config: &tokio_postgres::Config,
    channel: &str,
    counters: &str,
    latest: &watch::Sender<u64>,
    ready: &mut Option<tokio::sync::oneshot::Sender<Result<(), StoreError>>>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
    let (notes_tx, mut notes) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                    if notes_tx.send(Ok(n)).is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    let _ = notes_tx.send(Err(e));
                    return;
                }
                None => return,
            }
        }
    });
    let listened = client.batch_execute(&format!("LISTEN \"{channel}\"")).await;
    if let Err(e) = listened {
        driver.abort();
        return Err(e);
    }
    let head: i64 = client
        .query_one(&format!("SELECT change_seq FROM {counters}"), &[])
        .await?
        .get(0);
    latest.send_modify(|s| *s = (*s).max(head as u64));
    if let Some(ready) = ready.take() {
        let _ = ready.send(Ok(()));
    }
    while let Some(note) = notes.recv().await {
        let note = note?;
        if let Ok(seq) = note.payload().parse::<u64>() {
            latest.send_modify(|s| *s = (*s).max(seq));
        }
    }
    drop(client);
    Ok(())
}
