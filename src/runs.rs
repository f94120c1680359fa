//! How the chunks of one input are shared among the workers: each worker
//! reads a run of neighbouring chunks in order, and a worker that has none
//! left takes the back half of the largest share another worker has not
//! read yet. So the runs stay few (a run's tables are merged once, with
//! its neighbours as soon as they are closed too) and no worker stands
//! idle while a long share of another is left: the workers finish at most
//! one chunk apart.
//!
//! A fixed split cannot do both. Rayon's adaptive split of an indexed
//! iterator hands out shares that cannot be split again once a worker
//! started them: on a 2 GB log one worker was left with a quarter of the
//! file while the other stood idle for up to 0.13 s of 1.1 s; capping the
//! shares made four times as many runs, and their merges cost as much as
//! the idle time saved.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;

/// The chunks not taken yet: one range per worker, read from its front.
struct Shares(Mutex<Vec<Range<usize>>>);

impl Shares {
    /// `n` chunks in `workers` shares of neighbouring chunks.
    fn new(n: usize, workers: usize) -> Self {
        let w = workers.clamp(1, n.max(1));
        Shares(Mutex::new(
            (0..w).map(|i| i * n / w..(i + 1) * n / w).collect(),
        ))
    }

    /// The next chunk for worker `me`, and whether it starts a new run
    /// (a share taken from another worker); `None`: all are taken.
    fn next(&self, me: usize) -> Option<(usize, bool)> {
        // a worker that panicked holds no lock while it works: the ranges
        // are whole
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let own = &mut s[me];
        if own.start < own.end {
            own.start += 1;
            return Some((own.start - 1, false));
        }
        let (victim, len) = s
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.len()))
            .max_by_key(|&(i, len)| (len, std::cmp::Reverse(i)))?;
        if len == 0 {
            return None;
        }
        // the back half (a share of one chunk moves whole)
        let r = s[victim].clone();
        let mid = r.start + len / 2;
        s[victim].end = mid;
        s[me] = mid + 1..r.end;
        Some((mid, true))
    }
}

/// Reads chunks `0..n` in runs of neighbouring chunks on all the pool's
/// workers and joins the runs into one: `open(i)` starts a run at chunk
/// `i`, `read(run, i)` reads chunk `i` into it, `close(run, next)` ends a
/// run whose last chunk is `next - 1`, and `join(left, right)` joins two
/// neighbouring closed runs (it must be associative). `None` when `n` is 0.
///
/// A run is joined to its closed neighbours as soon as it is closed, by the
/// worker that closed it, while the other workers still read: only the
/// joins of the last runs are left when the reading ends.
pub fn in_runs<A, T>(
    n: usize,
    open: impl Fn(usize) -> A + Sync,
    read: impl Fn(&mut A, usize) + Sync,
    close: impl Fn(A, usize) -> T + Sync,
    join: impl Fn(T, T) -> T + Sync,
) -> Option<T>
where
    T: Send,
{
    let workers = rayon::current_num_threads();
    let shares = Shares::new(n, workers);
    let closed = Closed(Mutex::new(BTreeMap::new()));
    let worker = |me: usize| {
        let mut cur: Option<(usize, usize, A)> = None;
        while let Some((i, fresh)) = shares.next(me) {
            if fresh || cur.is_none() {
                if let Some((first, next, run)) = cur.take() {
                    closed.add(first, next, close(run, next), &join);
                }
                cur = Some((i, i, open(i)));
            }
            if let Some((_, next, run)) = &mut cur {
                read(run, i);
                *next = i + 1;
            }
        }
        if let Some((first, next, run)) = cur {
            closed.add(first, next, close(run, next), &join);
        }
    };
    (0..workers.clamp(1, n.max(1)))
        .into_par_iter()
        .with_max_len(1)
        .for_each(worker);
    // every run was added with the lock held while its neighbours were
    // looked for, so the last one added found all the others joined
    let left = closed.0.into_inner().unwrap_or_else(|e| e.into_inner());
    left.into_values().map(|(_, t)| t).reduce(join)
}

/// The closed runs not joined yet, by first chunk: (next chunk, run).
struct Closed<T>(Mutex<BTreeMap<usize, (usize, T)>>);

impl<T> Closed<T> {
    /// Adds the closed run `first..next`, joined to the closed runs beside
    /// it; the joins run without the lock.
    fn add(&self, mut first: usize, mut next: usize, mut t: T, join: &impl Fn(T, T) -> T) {
        loop {
            let (left, right) = {
                let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
                let left = m
                    .range(..first)
                    .next_back()
                    .filter(|(_, (end, _))| *end == first)
                    .map(|(&s, _)| s)
                    .and_then(|s| m.remove(&s).map(|(_, l)| (s, l)));
                let right = m.remove(&next);
                if left.is_none() && right.is_none() {
                    m.insert(first, (next, t));
                    return;
                }
                (left, right)
            };
            if let Some((s, l)) = left {
                t = join(l, t);
                first = s;
            }
            if let Some((end, r)) = right {
                t = join(t, r);
                next = end;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every chunk is read once, each run is a stretch of neighbouring
    /// chunks read in order, and the runs come back in order.
    #[test]
    fn every_chunk_once_in_ordered_runs() {
        for threads in [1, 2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            for n in [0, 1, 2, 5, 64, 257] {
                // a run is its list of runs: (first, chunks read, next)
                let runs: Vec<(usize, Vec<usize>, usize)> = pool.install(|| {
                    in_runs(
                        n,
                        |i| (i, Vec::new()),
                        |(_, v): &mut (usize, Vec<usize>), i| {
                            // uneven chunks, so that shares are taken
                            std::thread::sleep(std::time::Duration::from_micros(
                                (i % 7) as u64 * 50,
                            ));
                            v.push(i)
                        },
                        |(first, v), next| vec![(first, v, next)],
                        |mut l, r| {
                            // only neighbours are joined, left before right
                            assert_eq!(l.last().map(|x| x.2), r.first().map(|x| x.0));
                            l.extend(r);
                            l
                        },
                    )
                    .unwrap_or_default()
                });
                let mut seen: Vec<usize> = Vec::new();
                for (first, v, next) in &runs {
                    assert_eq!(v.first(), Some(first));
                    assert_eq!(*next, v.last().map_or(0, |l| l + 1));
                    assert!(v.windows(2).all(|w| w[1] == w[0] + 1), "{v:?}");
                    seen.extend(v.iter().copied());
                }
                assert_eq!(seen, (0..n).collect::<Vec<_>>(), "threads {threads}, n {n}");
                assert!(runs.len() <= n.max(1));
            }
        }
    }

    #[test]
    fn a_worker_without_chunks_takes_the_back_half_of_the_largest_share() {
        let s = Shares::new(10, 2);
        assert_eq!(s.next(0), Some((0, false)));
        // worker 1 reads its share 5..10 to the end
        for i in 5..10 {
            assert_eq!(s.next(1), Some((i, false)));
        }
        // then takes 5 of 1..5's back half: chunk 3 starts a new run
        assert_eq!(s.next(1), Some((3, true)));
        assert_eq!(s.next(1), Some((4, false)));
        assert_eq!(s.next(0), Some((1, false)));
        assert_eq!(s.next(0), Some((2, false)));
        assert_eq!(s.next(0), None);
        assert_eq!(s.next(1), None);
    }
}
