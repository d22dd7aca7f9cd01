//! BID-002 三年内两次以上串通投标 — a bidder with two or more recorded collusion deductions within
//! three years: a referral for the statutory penalty.
//!
//! 《招标投标法实施条例》第六十七条第二款: colluding twice or more within 3 years bars a bidder from
//! bidding for 1 to 2 years — a penalty only the supervising department imposes, so bidwatch
//! recommends the referral. Counted: effective `ledger` rows of a bidder whose rule code is one of
//! `collusion_codes` (the COL and GRF presumptions confirmed by the bureau), at least `min_events`
//! (2) within any `window_days` (1,095). One finding per bidder, with the rows of the densest window.

use std::collections::BTreeMap;

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::{Finding, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::ledger::{ledger_evidence, Entry, DAY_MS};

#[derive(Debug)]
pub struct RepeatCollusion;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "min_events", default: "2", zh: "窗口内串通记录的次数", en: "collusion records within the window" },
    Threshold { key: "window_days", default: "1095", zh: "窗口（天）", en: "window (days)" },
    Threshold {
        key: "collusion_codes",
        default: "[\"COL-\", \"GRF-001\", \"GRF-002\"]",
        zh: "视为串通的记分事项（规则编号或前缀）",
        en: "ledger codes that count as collusion (code or prefix)",
    },
];

impl Rule for RepeatCollusion {
    fn code(&self) -> RuleCode {
        code("BID-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Ledger, &["points"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let min = ctx.policy.f64(c, "min_events", 2.0).max(1.0) as usize;
        let window = ctx.policy.f64(c, "window_days", 1095.0) as i64;
        let codes = ctx.policy.strings(c, "collusion_codes", &["COL-", "GRF-001", "GRF-002"]);
        let all = &ctx.views.ledger;
        let mut by_bidder: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for e in all.iter().filter(|e| e.subject_kind == "bidder" && e.status == "effective") {
            if codes.iter().any(|k| e.rule_code.starts_with(k.as_str())) {
                by_bidder.entry(e.subject_id.as_str()).or_default().push(e);
            }
        }
        let mut out = RuleOutput::default();
        for (id, list) in by_bidder {
            // the densest window: for each record, the records within `window` days before it
            let best = (0..list.len())
                .map(|j| list.iter().filter(|e| e.at <= list[j].at && e.at > list[j].at - window * DAY_MS).copied().collect::<Vec<_>>())
                .max_by_key(Vec::len)
                .unwrap_or_default();
            if best.len() < min {
                continue;
            }
            let who = crate::rules::col::label_of(ctx, id);
            let (first, last) = (fmt_millis(best[0].at), fmt_millis(best[best.len() - 1].at));
            let message = Text::new(
                format!("投标人 {who} 在 {first} 至 {last} 间有 {} 次串通投标记录（{window} 天内 {min} 次以上），建议移交行政监督部门依法处理", best.len()),
                format!(
                    "bidder {who} has {} collusion records between {first} and {last} ({min} or more within {window} days): refer to the supervising department",
                    best.len()
                ),
            );
            let mut f = Finding::new(c, Severity::Signal, Subject::bidder(id), message)
                .with_threshold("min_events", min as u64)
                .with_threshold("window_days", window as u64);
            for e in best {
                f = f.with_evidence(ledger_evidence(e));
            }
            out.push(f);
        }
        out
    }
}
