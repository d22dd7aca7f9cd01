//! PRC-004 报价高于最高投标限价或同一投标人多个报价 — a price above the ceiling, or two prices
//! from one bidder.
//!
//! 《招标投标法实施条例》第五十一条：评标委员会应当否决其投标：（四）同一投标人提交两个以上不同的
//! 投标文件或者投标报价……（五）投标报价……高于招标文件设定的最高投标限价。

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, Money, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::Bid;

#[derive(Debug)]
pub struct CeilingAndDoublePrice;

const THRESHOLDS: &[Threshold] = &[Threshold {
    key: "ceiling_tolerance",
    default: "0.0",
    zh: "高出限价的容差（比例），0 表示高出任何金额即报",
    en: "tolerance above the ceiling (a fraction); 0 reports any amount above",
}];

impl Rule for CeilingAndDoublePrice {
    fn code(&self) -> RuleCode {
        code("PRC-004")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["price"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let code = self.code();
        let tolerance = ctx.policy.f64(code, "ceiling_tolerance", 0.0);
        let projects = &ctx.views.projects;
        let mut out = RuleOutput::default();
        let mut without_ceiling = 0usize;
        // one project's standing bids by bidder, reused from project to project
        let mut standing: Vec<&Bid> = Vec::new();
        for (k, bids) in ctx.views.bids.iter().enumerate() {
            if bids.is_empty() {
                continue;
            }
            let pid = projects.id[k].as_str();
            // (a) above the ceiling and not rejected; auctions (property, land) have no ceiling
            let auction = matches!(projects.category[k].as_deref(), Some("property" | "land"));
            match projects.ceiling[k] {
                Some(ceiling) => {
                    let limit = ceiling * (1.0 + tolerance);
                    for b in bids.iter().filter(|b| b.price > limit && !matches!(b.status(), Some("rejected" | "withdrawn"))) {
                        let over = b.price - ceiling;
                        let message = Text::new(
                            format!("投标人 {} 在项目 {pid} 报价 {} 元，高于最高投标限价 {} 元（高出 {} 元），投标未被否决", b.bidder, Money(b.price), Money(ceiling), Money(over)),
                            format!("bidder {} bid {} yuan in project {pid}, above the ceiling of {} yuan (by {} yuan), and the bid was not rejected", b.bidder, Money(b.price), Money(ceiling), Money(over)),
                        );
                        out.push(
                            Finding::new(code, Severity::Violation, Subject::bidder(b.bidder), message)
                                .in_project(pid)
                                .with_evidence(b.evidence())
                                .with_evidence(
                                    Evidence::new("projects", projects.row[k]).with("project_id", pid).with("ceiling_price", ceiling),
                                )
                                .with_threshold("case", "above_ceiling")
                                .with_threshold("ceiling_price", ceiling)
                                .with_threshold("ceiling_tolerance", tolerance),
                        );
                    }
                }
                None if !auction => without_ceiling += 1,
                None => {}
            }
            // (b) one bidder, two or more different prices: the bids sorted by bidder (stably,
            // so each bidder's keep their order) and read a bidder at a time, without a map and a
            // vector for each bidder of each of a million projects
            standing.clear();
            standing.extend(bids.iter().filter(|b| !b.withdrawn()));
            standing.sort_by(|a, b| a.bidder.cmp(b.bidder));
            for list in standing.chunk_by(|a, b| a.bidder == b.bidder) {
                let bidder = list[0].bidder;
                if list.iter().all(|b| b.price.total_cmp(&list[0].price).is_eq()) {
                    continue;
                }
                let mut prices: Vec<f64> = list.iter().map(|b| b.price).collect();
                prices.sort_by(f64::total_cmp);
                prices.dedup();
                if prices.len() < 2 {
                    continue;
                }
                let shown = prices.iter().map(|p| Money(*p).to_string()).collect::<Vec<_>>().join(" / ");
                let message = Text::new(
                    format!("投标人 {bidder} 在项目 {pid} 提交了 {} 个不同报价：{shown} 元", prices.len()),
                    format!("bidder {bidder} submitted {} different prices in project {pid}: {shown} yuan", prices.len()),
                );
                let mut f = Finding::new(code, Severity::Violation, Subject::bidder(bidder), message)
                    .in_project(pid)
                    .with_threshold("case", "several_prices")
                    .with_threshold("distinct_prices", prices.len() as u64);
                for b in list {
                    f = f.with_evidence(b.evidence());
                }
                out.push(f);
            }
        }
        if without_ceiling > 0 {
            out.notes.push(Text::new(
                format!("{without_ceiling} 个有投标的项目（拍卖类除外）没有最高投标限价，未检查是否超限价"),
                format!(
                    "{without_ceiling} project(s) with bids (auctions aside) have no ceiling price: not checked for bids above the ceiling"
                ),
            ));
        }
        out
    }
}
