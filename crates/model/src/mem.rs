//! The process's memory as the kernel counts it, for the stage log lines of long runs (Linux
//! `/proc/self/status`; elsewhere nothing is reported).

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

#[cfg(test)]
mod tests {
    #[test]
    fn peak_is_at_least_current() {
        if let Some((now, peak)) = super::rss_mib() {
            assert!(peak >= now && now > 0);
        }
    }
}
