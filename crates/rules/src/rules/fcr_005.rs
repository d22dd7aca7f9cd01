//! FCR-005 资格、业绩、财务或人员条件与项目不相适应 — qualification, turnover, capital or staffing
//! demands out of proportion to the contract.
//!
//! 《招标投标法实施条例》第三十二条第二款第（二）项; 《政府采购法实施条例》第二十条第（二）项;
//! for government procurement also 《政府采购促进中小企业发展管理办法》（财库〔2020〕46号）第五条,
//! which bars size conditions (registered capital, assets, turnover, staff) as qualification or
//! scoring factors outright. Each `*_patterns` expression in `rules/policy.toml` captures an
//! `amount` and, for money, a `unit` (元/万元/亿元); the amount is compared with the project's
//! ceiling price (else its estimate) times the measure's ratio.

use bidwatch_ingest::TableName;
use bidwatch_model::{Money, RuleCode, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::fcr;

#[derive(Debug)]
pub struct Disproportionate;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "capital_patterns",
        default: "[]",
        zh: "注册资本、资产总额类要求的表达式（含 amount、unit）",
        en: "expressions for registered capital or assets (with amount, unit)",
    },
    Threshold { key: "turnover_patterns", default: "[]", zh: "营业收入类要求的表达式", en: "expressions for turnover" },
    Threshold {
        key: "performance_patterns",
        default: "[]",
        zh: "单项业绩合同金额要求的表达式",
        en: "expressions for the contract value of past projects",
    },
    Threshold {
        key: "staff_patterns",
        default: "[]",
        zh: "从业人员数量要求的表达式（amount 为人数）",
        en: "expressions for headcount (amount = persons)",
    },
    Threshold {
        key: "capital_ratio",
        default: "1.0",
        zh: "注册资本要求超过合同金额的该倍数即报",
        en: "capital required above this multiple of the contract value",
    },
    Threshold {
        key: "turnover_ratio",
        default: "3.0",
        zh: "营业收入要求超过合同金额的该倍数即报",
        en: "turnover required above this multiple of the contract value",
    },
    Threshold {
        key: "performance_ratio",
        default: "1.0",
        zh: "单项业绩金额要求超过合同金额的该倍数即报",
        en: "past-project value required above this multiple of the contract value",
    },
    Threshold {
        key: "size_banned_categories",
        default: "[\"procurement\"]",
        zh: "不得以规模条件（注册资本、资产、营业收入、人员）作为资格或评审因素的交易类型",
        en: "categories where size conditions (capital, assets, turnover, staff) may not be required at all",
    },
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Measure {
    Capital,
    Turnover,
    Performance,
    Staff,
}

impl Measure {
    fn key(self) -> &'static str {
        match self {
            Measure::Capital => "capital",
            Measure::Turnover => "turnover",
            Measure::Performance => "performance",
            Measure::Staff => "staff",
        }
    }
}

/// Yuan in an amount written with its unit.
fn yuan(amount: f64, unit: Option<&str>) -> f64 {
    match unit {
        Some(u) if u.contains('亿') => amount * 1e8,
        Some(u) if u.contains('万') => amount * 1e4,
        _ => amount,
    }
}

impl Rule for Disproportionate {
    fn code(&self) -> RuleCode {
        code("FCR-005")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Clauses, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let rule = self.code();
        let mut out = RuleOutput::default();
        let measures = [Measure::Capital, Measure::Turnover, Measure::Performance, Measure::Staff];
        let compiled: Vec<(Measure, fcr::Patterns)> =
            measures.iter().map(|m| (*m, fcr::compile(ctx, rule, &format!("{}_patterns", m.key()), &mut out.notes))).collect();
        // Every measure's expressions as one set: a clause none of them matches (nearly all) is
        // searched once, not captured by each expression in turn.
        let any = fcr::Patterns::new(compiled.iter().flat_map(|(_, p)| p.each.iter().cloned()).collect());
        let banned = ctx.policy.strings(rule, "size_banned_categories", &["procurement"]);
        fcr::each_clause(ctx, |c| {
            if !any.any_match(&c.text) {
                return;
            }
            let category = ctx.views.projects.category[c.project].as_deref().unwrap_or("");
            let contract = ctx.views.projects.ceiling[c.project].or(ctx.views.projects.estimate[c.project]);
            let hit = compiled.iter().find_map(|(m, res)| {
                res.each.iter().find_map(|re| {
                    let caps = re.captures(&c.text)?;
                    let whole = caps.get(0)?;
                    let amount: f64 = caps.name("amount")?.as_str().parse().ok()?;
                    let value = if *m == Measure::Staff { amount } else { yuan(amount, caps.name("unit").map(|u| u.as_str())) };
                    let size_condition = *m != Measure::Performance;
                    if size_condition && banned.iter().any(|b| b == category) {
                        return Some((*m, whole.start(), whole.end(), value, None));
                    }
                    let ratio = ctx.policy.f64(
                        rule,
                        &format!("{}_ratio", m.key()),
                        match m {
                            Measure::Turnover => 3.0,
                            _ => 1.0,
                        },
                    );
                    let limit = contract? * ratio;
                    (*m != Measure::Staff && value > limit).then_some((*m, whole.start(), whole.end(), value, Some((contract?, ratio))))
                })
            });
            let Some((m, s, e, value, compared)) = hit else { return };
            let why = match compared {
                None => Text::new(
                    "政府采购不得以注册资本、资产总额、营业收入、从业人员等规模条件作为资格要求或评审因素",
                    "government procurement may not require size conditions (capital, assets, turnover, staff)",
                ),
                Some((contract, ratio)) => Text::new(
                    format!("要求 {} 元，超过本项目合同金额（{} 元）的 {ratio} 倍，与项目实际需要不相适应", Money(value), Money(contract)),
                    format!(
                        "{} yuan required, more than {ratio} × this contract ({} yuan): out of proportion to the project",
                        Money(value),
                        Money(contract)
                    ),
                ),
            };
            let mut f =
                fcr::clause_finding(ctx, rule, &c, (s, e), &why).with_threshold("measure", m.key()).with_threshold("required", value);
            if let Some((contract, ratio)) = compared {
                f = f.with_threshold("contract_value", contract).with_threshold("ratio", ratio);
            } else {
                f = f.with_threshold("category", category);
            }
            out.push(f);
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::yuan;

    #[test]
    fn units_are_read() {
        assert_eq!(yuan(5.0, Some("万元")), 50_000.0);
        assert_eq!(yuan(1.5, Some("亿元")), 150_000_000.0);
        assert_eq!(yuan(800.0, Some("元")), 800.0);
    }
}
