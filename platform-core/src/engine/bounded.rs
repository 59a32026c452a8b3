//! Running many tasks with a bound on how many are in flight, results in input order.

use std::future::Future;

/// Runs `work` for every item with at most `limit` in flight; results come back in input order.
pub(crate) async fn map_bounded<T, R, F, Fut>(items: Vec<T>, limit: usize, work: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let total = items.len();
    let mut results: Vec<Option<R>> = Vec::with_capacity(total);
    results.resize_with(total, || None);
    let mut tasks = tokio::task::JoinSet::new();
    let mut pending = items.into_iter().enumerate();
    loop {
        while tasks.len() < limit.max(1) {
            let Some((index, item)) = pending.next() else {
                break;
            };
            let future = work(item);
            tasks.spawn(async move { (index, future.await) });
        }
        match tasks.join_next().await {
            Some(Ok((index, result))) => results[index] = Some(result),
            // A panicking task leaves its slot empty; callers treat a missing result as lost.
            Some(Err(_)) => {}
            None => break,
        }
    }
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn keeps_order_and_the_bound() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let out = map_bounded((0..50).collect(), 4, |i: usize| {
            let running = running.clone();
            let peak = peak.clone();
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            }
        })
        .await;
        assert_eq!(out, (0..50).map(|i| i * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 4);
    }
}
