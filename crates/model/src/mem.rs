//! The process's memory: as the kernel counts it, for the stage log lines of long runs (Linux
//! `/proc/self/status`; elsewhere nothing is reported), and giving freed memory back between
//! stages.

/// Resident set size now and its peak so far, in MiB: `(VmRSS, VmHWM)`.
pub fn rss_mib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb / 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// How the binary's allocator gives the memory freed on the calling thread back to the system
/// (see [`set_trim`]).
static TRIM: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Registers the allocator's "give back what is free" for [`trim`] and [`trim_thread`]; the
/// binary that chose the allocator calls it once at start. Without it both do nothing.
pub fn set_trim(give_back: fn()) {
    // A second registration keeps the first: the binary sets it once.
    let _ = TRIM.set(give_back);
}

/// Gives the memory freed on this thread back to the system. For a thread that has just
/// finished a large piece of work while others still run theirs (a rule of the first pass).
pub fn trim_thread() {
    if let Some(give_back) = TRIM.get() {
        give_back();
    }
}

/// Gives the memory freed on every thread back to the system: at the end of a stage, before the
/// next builds what it keeps. An allocator that holds freed pages for reuse by the thread that
/// freed them (mimalloc) otherwise keeps a large stage's working memory resident (1.7 GB after
/// the pairs of 10M bids were found); the next stage's large vectors are fresh pages on top.
pub fn trim() {
    if TRIM.get().is_some() {
        rayon::broadcast(|_| trim_thread());
        trim_thread();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn trimming_asks_every_thread_to_give_back() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        fn count() {
            CALLS.fetch_add(1, Ordering::SeqCst);
        }
        super::set_trim(count);
        super::trim_thread();
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        // every thread of the pool, and the calling one
        super::trim();
        assert_eq!(CALLS.load(Ordering::SeqCst), 2 + rayon::current_num_threads());
    }

    #[test]
    fn peak_is_at_least_current() {
        if let Some((now, peak)) = super::rss_mib() {
            assert!(peak >= now && now > 0);
        }
    }
}
