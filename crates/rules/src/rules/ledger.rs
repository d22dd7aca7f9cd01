//! The points ledger (记分台账) and the interview notices (约谈告知) it calls for, shared by the POL
//! rules.
//!
//! A ledger row is a deduction of |points| (sign as the bureau writes it) for a subject — bidder,
//! expert, agent or person — at `occurred_at`, `pending` until it takes effect, `effective`, or
//! `revoked`. A deduction counts in the **live score** while it is effective and younger than the
//! validity window: live(t) = Σ |points| over effective rows with t − validity < occurred_at ≤ t.
//! Runs are judged **as of the newest time in the ledger and interview records**, never the wall
//! clock, so the same data gives the same answer on any night.

use std::collections::BTreeMap;

use bidwatch_ingest::{frame, Dataset, TableName};

/// One row of `ledger`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub subject_kind: String,
    pub subject_id: String,
    pub rule_code: String,
    pub points: f64,
    /// Milliseconds, local time.
    pub at: i64,
    pub status: String,
    pub row: u64,
}

pub(crate) fn entries(ds: &Dataset) -> Vec<Entry> {
    let Some(df) = ds.frame(TableName::Ledger) else { return Vec::new() };
    let kind = frame::strs(df, "subject_kind");
    let id = frame::strs(df, "subject_id");
    let code = frame::strs(df, "rule_code");
    let points = frame::f64s(df, "points");
    let at = frame::i64s(df, "occurred_at");
    let status = frame::strs(df, "status");
    let rows = frame::rows(df);
    let mut out: Vec<Entry> = (0..df.height())
        .filter_map(|i| {
            Some(Entry {
                subject_kind: kind[i].clone()?,
                subject_id: id[i].clone()?,
                rule_code: code[i].clone()?,
                points: points[i]?.abs(),
                at: at[i]?,
                // a row without a status is on record: effective
                status: status[i].clone().unwrap_or_else(|| "effective".to_owned()),
                row: rows[i],
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.subject_kind, &a.subject_id, a.at, a.row).cmp(&(&b.subject_kind, &b.subject_id, b.at, b.row)));
    out
}

/// Prior interview notices (`interviews` with kind `prior_notice`) by (subject kind, subject id):
/// their times, ascending, with their rows.
pub(crate) fn notices(ds: &Dataset) -> BTreeMap<(String, String), Vec<(i64, u64)>> {
    let mut out: BTreeMap<(String, String), Vec<(i64, u64)>> = BTreeMap::new();
    let Some(df) = ds.frame(TableName::Interviews) else { return out };
    let kind = frame::strs(df, "kind");
    let sk = frame::strs(df, "subject_kind");
    let sid = frame::strs(df, "subject_id");
    let at = frame::i64s(df, "held_at");
    let rows = frame::rows(df);
    for i in 0..df.height() {
        if kind[i].as_deref() != Some("prior_notice") {
            continue;
        }
        if let (Some(k), Some(s), Some(t)) = (sk[i].clone(), sid[i].clone(), at[i]) {
            out.entry((k, s)).or_default().push((t, rows[i]));
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
    }
    out
}

/// The entries of each subject, (kind, id) in order, each subject's in time order.
pub(crate) fn by_subject(entries: &[Entry]) -> BTreeMap<(&str, &str), Vec<&Entry>> {
    let mut out: BTreeMap<(&str, &str), Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        out.entry((e.subject_kind.as_str(), e.subject_id.as_str())).or_default().push(e);
    }
    out
}

/// The newest time in the ledger and the notices: what "now" means for a run.
pub(crate) fn as_of(entries: &[Entry], notices: &BTreeMap<(String, String), Vec<(i64, u64)>>) -> Option<i64> {
    entries.iter().map(|e| e.at).chain(notices.values().flatten().map(|n| n.0)).max()
}

pub(crate) const DAY_MS: i64 = 86_400_000;

/// Live score of one subject's entries at `t`.
pub(crate) fn live(entries: &[&Entry], t: i64, validity_days: i64) -> f64 {
    counted(entries, t, validity_days).iter().map(|e| e.points).sum()
}

/// The ledger row as evidence.
pub(crate) fn ledger_evidence(e: &Entry) -> bidwatch_model::Evidence {
    bidwatch_model::Evidence::new("ledger", e.row)
        .with("rule_code", e.rule_code.as_str())
        .with("points", e.points)
        .with("occurred_at", bidwatch_ingest::frame::fmt_millis(e.at))
        .with("status", e.status.as_str())
}

/// Every time the live score of one subject's entries goes from below `level` to at or above it,
/// up to `now`: (time, score). The score changes only at a deduction or an expiry, so those are
/// the times looked at. One crossing per rise: the level re-arms when the score falls back below.
pub(crate) fn crossings(entries: &[&Entry], level: f64, validity_days: i64, now: i64) -> Vec<(i64, f64)> {
    let mut times: Vec<i64> = entries.iter().flat_map(|e| [e.at, e.at + validity_days * DAY_MS]).filter(|t| *t <= now).collect();
    times.push(now);
    times.sort_unstable();
    times.dedup();
    let mut out = Vec::new();
    let mut above = false;
    for t in times {
        let score = live(entries, t, validity_days);
        if score >= level && !above {
            out.push((t, score));
        }
        above = score >= level;
    }
    out
}

/// The entries counted in the live score at `t`.
pub(crate) fn counted<'a>(entries: &[&'a Entry], t: i64, validity_days: i64) -> Vec<&'a Entry> {
    entries.iter().copied().filter(|e| e.status == "effective" && e.at <= t && e.at > t - validity_days * DAY_MS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(at_days: i64, points: f64, status: &str) -> Entry {
        Entry {
            subject_kind: "bidder".into(),
            subject_id: "B1".into(),
            rule_code: "BID-001".into(),
            points,
            at: at_days * DAY_MS,
            status: status.into(),
            row: 0,
        }
    }

    #[test]
    fn expired_pending_and_revoked_points_do_not_count() {
        let list = [e(0, 5.0, "effective"), e(200, 3.0, "effective"), e(300, 4.0, "pending"), e(310, 2.0, "revoked")];
        let refs: Vec<&Entry> = list.iter().collect();
        assert_eq!(live(&refs, 320 * DAY_MS, 365), 8.0);
        // day 365: the first deduction is exactly a year old and no longer counts
        assert_eq!(live(&refs, 365 * DAY_MS, 365), 3.0);
        assert_eq!(live(&refs, 600 * DAY_MS, 365), 0.0);
        // not yet happened
        assert_eq!(live(&refs, 100 * DAY_MS, 365), 5.0);
    }

    #[test]
    fn one_crossing_per_rise_and_the_level_re_arms() {
        // 5 + 3 = 8 ≥ 6 on day 200 (one crossing, although day 210 adds more); the first expires on
        // day 365 (3 + 2 = 5 < 6), and 4 more on day 400 cross again.
        let list = [e(0, 5.0, "effective"), e(200, 3.0, "effective"), e(210, 2.0, "effective"), e(400, 4.0, "effective")];
        let refs: Vec<&Entry> = list.iter().collect();
        let c = crossings(&refs, 6.0, 365, 500 * DAY_MS);
        assert_eq!(c, vec![(200 * DAY_MS, 8.0), (400 * DAY_MS, 9.0)]);
        assert!(crossings(&refs, 100.0, 365, 500 * DAY_MS).is_empty());
    }
}
