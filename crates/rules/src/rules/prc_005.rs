//! PRC-005 报价筛查综合风险 — a tender whose price screens are unusual for comparable tenders.
//!
//! The score itself is [`crate::tender_risk`] (computed once per run, also behind the risk column of
//! `project_risk.csv`); this rule reports the tenders at or above `flag_at`, naming the screens
//! that drove the score, their percentiles, the reference group and the bidders' record.

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::tender_risk::{self, Direction, TenderRisk as Risk};

#[derive(Debug)]
pub struct TenderRisk;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "flag_at", default: "0.7", zh: "综合风险不低于该值时报告", en: "report tenders whose risk is at least this"
    },
    Threshold {
        key: "screens",
        default: "[\"cv:low\", \"spd:low\", \"skewness:low\"]",
        zh: "参与计算的筛查指标及可疑方向（low 偏低、high 偏高、both 两侧）",
        en: "screens in the score and the suspicious side (low, high, both)",
    },
    Threshold {
        key: "size_bands",
        default: "[\"1000000\", \"4000000\", \"30000000\"]",
        zh: "规模分档界限（元，按估算价、无则限价、再无则报价中位数）",
        en: "size-band boundaries in yuan (estimate, else ceiling, else median bid)",
    },
    Threshold {
        key: "min_group",
        default: "30",
        zh: "参照组最少项目数，不足时并入同类型全部项目",
        en: "fewest tenders in a reference group; a smaller band joins its whole category",
    },
    Threshold {
        key: "min_bids", default: "3", zh: "参与评分的最少有效报价数", en: "fewest standing bids for a tender to be scored"
    },
    Threshold {
        key: "firm_weight",
        default: "0.5",
        zh: "投标人在其他项目中的风险所占权重",
        en: "weight of the bidders' record in their other tenders",
    },
];

fn pct(p: f64) -> String {
    format!("{:.0}", p * 100.0)
}

fn side(d: Direction, zh: bool) -> &'static str {
    match (d, zh) {
        (Direction::Low, true) => "偏低",
        (Direction::High, true) => "偏高",
        (Direction::Both, true) => "异常",
        (Direction::Low, false) => "low",
        (Direction::High, false) => "high",
        (Direction::Both, false) => "unusual",
    }
}

/// "变异系数 0.0123（同组第 3 百分位，偏低）" for every part, drivers first.
fn parts_text(r: &Risk, zh: bool) -> String {
    let drivers = r.drivers();
    let mut list: Vec<_> = drivers.clone();
    list.extend(r.parts.iter().filter(|p| !drivers.iter().any(|d| d.screen == p.screen)));
    list.iter()
        .map(|p| {
            if zh {
                format!("{} {:.4}（同组第 {} 百分位，{}）", p.screen.label(true), p.value, pct(p.percentile), side(p.direction, true))
            } else {
                format!(
                    "{} {:.4} (percentile {} of the group, {})",
                    p.screen.label(false),
                    p.value,
                    pct(p.percentile),
                    side(p.direction, false)
                )
            }
        })
        .collect::<Vec<_>>()
        .join(if zh { "；" } else { "; " })
}

impl Rule for TenderRisk {
    fn code(&self) -> RuleCode {
        code("PRC-005")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["price"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let flag_at = ctx.policy.f64(self.code(), "flag_at", 0.7);
        let mut out = RuleOutput::default();
        let Some(cfg) = ctx.tender_risk.config.as_ref() else { return out };
        let scored = ctx.tender_risk.by_project.iter().flatten().count();
        out.notes.push(Text::new(
            format!("{scored} 个项目有综合风险（至少 {} 个有效报价）", cfg.min_bids),
            format!("{scored} projects scored (at least {} standing bids)", cfg.min_bids),
        ));
        let small = ctx.tender_risk.by_project.iter().flatten().filter(|r| r.group_size < cfg.min_group).count();
        if small > 0 {
            out.notes.push(Text::new(
                format!("{small} 个项目的参照组不足 {} 个项目，只计入风险分，不单独报告", cfg.min_group),
                format!("{small} projects had fewer than {} comparable tenders: scored, not reported", cfg.min_group),
            ));
        }
        for (k, r) in ctx.tender_risk.by_project.iter().enumerate() {
            let Some(r) = r else { continue };
            // The most extreme of a handful of tenders is no signal: report only against a full group.
            if r.score < flag_at || r.group_size < cfg.min_group {
                continue;
            }
            let pid = ctx.views.projects.id[k].as_str();
            let group = (r.group.label(&cfg.size_bands, true), r.group.label(&cfg.size_bands, false));
            let record = r.record.map(|x| {
                (
                    format!("；其 {} 家投标人在另外 {} 个项目中的平均风险 {:.2}", x.bidders, x.tenders, x.mean),
                    format!("; its {} bidders' {} other tenders average {:.2}", x.bidders, x.tenders, x.mean),
                )
            });
            let (rz, re) = record.unwrap_or_default();
            let message = Text::new(
                format!(
                    "项目 {pid}：综合风险 {:.2}（报价筛查 {:.2}{rz}）。参照组「{}」共 {} 个项目：{}",
                    r.score,
                    r.screen_score,
                    group.0,
                    r.group_size,
                    parts_text(r, true)
                ),
                format!(
                    "project {pid}: tender risk {:.2} (price screens {:.2}{re}). Reference group \"{}\" of {} tenders: {}",
                    r.score,
                    r.screen_score,
                    group.1,
                    r.group_size,
                    parts_text(r, false)
                ),
            );
            let mut f = Finding::new(self.code(), Severity::Signal, Subject::project(pid), message)
                .in_project(pid)
                .with_score(r.score)
                .with_threshold("flag_at", flag_at)
                .with_threshold("reference_group", group.1.clone())
                .with_threshold("group_size", r.group_size as f64)
                .with_threshold("screen_score", round4(r.screen_score));
            for p in &r.parts {
                f = f.with_threshold(format!("{}_percentile", p.screen.name()), round4(p.percentile));
                f = f.with_threshold(tender_risk::spec(p.screen, p.direction), round4(p.value));
            }
            if let Some(x) = r.record {
                f = f.with_threshold("bidders_record", round4(x.mean));
            }
            f = f.with_evidence(Evidence::new("projects", ctx.views.projects.row[k]));
            for b in ctx.views.bids[k].iter().filter(|b| !b.withdrawn()) {
                f = f.with_evidence(b.evidence());
            }
            out.push(f);
        }
        out
    }
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
