//! AGT-005 代理机构月度考评 — a tendering agent whose year's deductions reach grade C or D.
//!
//! 《政府采购法实施条例》第六十条、第六十三条 and the local agent-evaluation rules: 100 points a
//! calendar year, less the deductions of the year so far — recorded (`agent_events`, points per
//! `rule_code` from `event_points`, `minor_points` (2) for any other code) and detected (AGT
//! findings with points) — graded A (≤ 10 deducted), B (≤ 20), C (≤ 40), D (more). Every month is
//! ranked in `agent_ranking.csv`. Reported: the month an agent first reaches grade C in a year
//! (约谈主要负责人, signal), and the month it first reaches D (业务整改 1–3 months, a referral
//! recommendation, signal).

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};

#[derive(Debug)]
pub struct MonthlyEvaluation;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "grade_a_max", default: "10", zh: "A 级：年度扣分不超过", en: "grade A: deducted in the year, at most" },
    Threshold { key: "grade_b_max", default: "20", zh: "B 级：年度扣分不超过", en: "grade B: deducted in the year, at most" },
    Threshold {
        key: "grade_c_max",
        default: "40",
        zh: "C 级：年度扣分不超过（更多为 D 级）",
        en: "grade C: deducted in the year, at most (more: D)",
    },
    Threshold { key: "minor_points", default: "2", zh: "未列明事项每次扣分", en: "points for a recorded event not listed" },
    Threshold {
        key: "event_points",
        default: "{}",
        zh: "各事项每次扣分（规则编号 = 分值）",
        en: "points per recorded event (rule code = points)",
    },
];

impl Rule for MonthlyEvaluation {
    fn code(&self) -> RuleCode {
        code("AGT-005")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Projects, &["agent_id"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn after_findings(&self) -> bool {
        true
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let (list, table) = (&ctx.agent_eval.deductions, &ctx.agent_eval.months);
        let mut out = RuleOutput::default();
        // (agent, year) → the grades already reported
        let mut seen: std::collections::BTreeSet<(&str, &str, char)> = std::collections::BTreeSet::new();
        for m in table {
            if m.grade < 'C' {
                continue;
            }
            let year = &m.month[..4];
            // C reported once a year; D once a year (and reaching D straight away reports D only)
            if !seen.insert((m.agent_id.as_str(), year, m.grade)) || (m.grade == 'C' && seen.contains(&(m.agent_id.as_str(), year, 'D'))) {
                continue;
            }
            let who = m.name.as_ref().map_or_else(|| m.agent_id.clone(), |n| format!("{n} ({})", m.agent_id));
            let (zh, en) = if m.grade == 'C' {
                ("应约谈主要负责人", "its principal is due an interview")
            } else {
                ("建议移交主管部门责令业务整改 1–3 个月", "refer it to the department for 1–3 months of rectification")
            };
            let message = Text::new(
                format!("代理机构 {who} {} 年度累计扣 {} 分，考评得分 {}，{} 级，{zh}", year, m.deducted_year, m.score, m.grade),
                format!("agent {who} lost {} points in {year} by {}: score {}, grade {}; {en}", m.deducted_year, m.month, m.score, m.grade),
            );
            let mut f = Finding::new(self.code(), Severity::Signal, Subject::new(SubjectKind::Agent, m.agent_id.as_str()), message)
                .with_threshold("month", m.month.as_str())
                .with_threshold("grade", m.grade.to_string())
                .with_threshold("score", m.score)
                .with_threshold("rank", m.rank as u64);
            for d in list
                .iter()
                .filter(|d| d.agent == m.agent_id && d.month.0.to_string() == year && format!("{}-{:02}", d.month.0, d.month.1) <= m.month)
            {
                let e = match d.row {
                    Some(r) => Evidence::new("agent_events", r),
                    None => Evidence::new("findings", 0),
                };
                f = f.with_evidence(e.with("rule_code", d.code.as_str()).with("project_id", d.project_id.clone()).with("points", d.points));
            }
            out.push(f);
        }
        out
    }
}
