//! ATT-006 到岗项目经理与中标不一致 — the project manager on site is not the one the winning bid named.
//!
//! 《招标投标法实施条例》第五十七条 (the contract follows the bid) and the local real-name rules: the
//! project manager named by the winner (`bid_personnel`, role `project_manager`) is the one who
//! leads the site. For each project with a winner's named manager and `assignments` of project
//! managers: an assigned manager who is not the named one is a signal (a change needs the
//! tenderer's approval, which the data does not hold: check it); one finding per such assignment.

use bidwatch_ingest::TableName;
use bidwatch_model::text::mask;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};

#[derive(Debug)]
pub struct NotTheNamedManager;

impl Rule for NotTheNamedManager {
    fn code(&self) -> RuleCode {
        code("ATT-006")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Assignments, &[]), (TableName::BidPersonnel, &[])]
    }

    /// A long pass: every punch against the named manager.
    fn long(&self) -> bool {
        true
    }

    fn thresholds(&self) -> &'static [Threshold] {
        &[]
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let mut out = RuleOutput::default();
        // project → (winner, named managers with rows)
        let mut named: std::collections::BTreeMap<usize, Vec<(String, String, u64)>> = std::collections::BTreeMap::new();
        // only projects with a manager on site are compared
        let mut on_site = vec![false; ctx.views.projects.id.len()];
        for a in ctx.views.assignments.iter().filter(|a| a.role == "project_manager") {
            if let Some(slot) = on_site.get_mut(a.project) {
                *slot = true;
            }
        }
        let wanted = move |k: usize, _| on_site.get(k).copied().unwrap_or(false);
        for (k, b, p, row) in crate::rules::attendance::named_managers(ctx.ds, wanted) {
            if ctx.views.bids[k].iter().any(|x| x.winner && x.bidder == b) {
                named.entry(k).or_default().push((b.to_owned(), p.to_owned(), row));
            }
        }
        for a in ctx.views.assignments.iter().filter(|a| a.role == "project_manager") {
            let Some(list) = named.get(&a.project) else { continue };
            if list.iter().any(|(_, p, _)| *p == a.person) {
                continue;
            }
            let pid = ctx.views.projects.id[a.project].as_str();
            let (b, p, row) = &list[0];
            let who = crate::rules::col::label_of(ctx, b);
            let message = Text::new(
                format!("项目 {pid} 在岗项目经理 {} 不是中标人 {who} 投标文件中的项目经理 {}，需核实是否经批准变更", mask(&a.person), mask(p)),
                format!(
                    "project {pid}: the project manager on site, {}, is not {}, whom the winner {who} named in its bid; check for an approved change",
                    mask(&a.person),
                    mask(p)
                ),
            );
            out.push(
                Finding::new(self.code(), Severity::Signal, Subject::new(SubjectKind::Person, a.person.as_str()), message)
                    .in_project(pid)
                    .with_members(vec![b.clone()])
                    .with_evidence(a.evidence(pid))
                    .with_evidence(
                        Evidence::new("bid_personnel", *row)
                            .with("bidder_id", b.as_str())
                            .with("person_id", p.as_str())
                            .with("role", "project_manager"),
                    ),
            );
        }
        out
    }
}
