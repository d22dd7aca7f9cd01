//! ATT-001 项目经理多项目兼任 — one project manager on two active projects at once.
//!
//! 《注册建造师管理规定》第二十一条: a registered constructor may not be the project lead of two or
//! more construction projects at the same time. Two checks:
//! - **on site**: two `assignments` of one person as `project_manager` on different projects whose
//!   periods overlap (an open end is still active) → violation, one finding per pair. A chief
//!   supervisor may cover up to `supervisor_max` (3) projects at once, so beyond that → signal.
//! - **at the bid**: a person named project manager in a bid (`bid_personnel`) while assigned as
//!   project manager on another project on the day of opening → signal on the bid.
//!
//! Approved exceptions (a stopped project, a small project) are not in the data: check them by hand.

use std::collections::BTreeMap;

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use bidwatch_model::text::mask;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::attendance::Assignment;
use crate::rules::deadline::day;

#[derive(Debug)]
pub struct TwoProjectsAtOnce;

const THRESHOLDS: &[Threshold] = &[Threshold {
    key: "supervisor_max",
    default: "3",
    zh: "总监理工程师可同时担任的项目数",
    en: "projects a chief supervisor may cover at once",
}];

impl Rule for TwoProjectsAtOnce {
    fn code(&self) -> RuleCode {
        code("ATT-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Assignments, &[])]
    }

    /// A long pass: every key-staff assignment against every other of the same person.
    fn long(&self) -> bool {
        true
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let sup_max = ctx.policy.f64(c, "supervisor_max", 3.0) as usize;
        let all = &ctx.views.assignments;
        let pid = |k: usize| ctx.views.projects.id[k].as_str();
        let mut by_person: BTreeMap<(&str, &str), Vec<&Assignment>> = BTreeMap::new();
        for a in all {
            by_person.entry((a.person.as_str(), a.role.as_str())).or_default().push(a);
        }
        let mut out = RuleOutput::default();
        for ((person, role), mut list) in by_person {
            list.sort_by_key(|a| (a.start, a.row));
            let shown = mask(person);
            match role {
                "project_manager" => {
                    for (i, a) in list.iter().enumerate() {
                        for b in &list[i + 1..] {
                            if b.project == a.project {
                                continue;
                            }
                            let Some((from, to)) = a.overlap(b) else { continue };
                            let to_s = to.map_or_else(|| "今".to_owned(), |d| d.to_string());
                            let to_e = to.map_or_else(|| "now".to_owned(), |d| d.to_string());
                            let message = Text::new(
                                format!(
                                    "项目经理 {shown} 在 {from} 至 {to_s} 同时担任项目 {} 和 {} 的项目经理",
                                    pid(a.project),
                                    pid(b.project)
                                ),
                                format!("project manager {shown} led both {} and {} from {from} to {to_e}", pid(a.project), pid(b.project)),
                            );
                            out.push(
                                Finding::new(c, Severity::Violation, Subject::new(SubjectKind::Person, person), message)
                                    .in_project(pid(b.project))
                                    .with_projects(vec![pid(a.project).to_owned(), pid(b.project).to_owned()])
                                    .with_threshold("overlap_from", from.to_string())
                                    .with_evidence(a.evidence(pid(a.project)))
                                    .with_evidence(b.evidence(pid(b.project))),
                            );
                        }
                    }
                }
                "chief_supervisor" => {
                    // the most projects at once: look at every start day
                    for a in &list {
                        let active: Vec<&&Assignment> = list.iter().filter(|b| b.on(a.start)).collect();
                        let mut projects: Vec<usize> = active.iter().map(|b| b.project).collect();
                        projects.sort_unstable();
                        projects.dedup();
                        // report once: on the start day that takes the count above the limit
                        let before = list.iter().filter(|b| b.row != a.row && b.on(a.start) && b.start < a.start).count();
                        if projects.len() <= sup_max || before > sup_max {
                            continue;
                        }
                        let ids: Vec<String> = projects.iter().map(|k| pid(*k).to_owned()).collect();
                        let message = Text::new(
                            format!(
                                "总监理工程师 {shown} 自 {} 起同时担任 {} 个项目（{}），超过 {sup_max} 个",
                                a.start,
                                ids.len(),
                                ids.join("、")
                            ),
                            format!(
                                "chief supervisor {shown} covers {} projects at once from {} ({}), more than {sup_max}",
                                ids.len(),
                                a.start,
                                ids.join(", ")
                            ),
                        );
                        let mut f = Finding::new(c, Severity::Signal, Subject::new(SubjectKind::Person, person), message)
                            .in_project(pid(a.project))
                            .with_projects(ids)
                            .with_threshold("supervisor_max", sup_max as u64);
                        for b in active {
                            f = f.with_evidence(b.evidence(pid(b.project)));
                        }
                        out.push(f);
                    }
                }
                _ => {}
            }
        }
        out.extend(self.at_bid(ctx, all));
        out
    }
}

impl TwoProjectsAtOnce {
    /// A project manager named in a bid while leading another project on the day of opening.
    fn at_bid(&self, ctx: &Context<'_>, all: &[Assignment]) -> Vec<Finding> {
        let mut pm: BTreeMap<&str, Vec<&Assignment>> = BTreeMap::new();
        for a in all.iter().filter(|a| a.role == "project_manager") {
            pm.entry(a.person.as_str()).or_default().push(a);
        }
        let mut out = Vec::new();
        // only managers who lead a project somewhere are looked at (their keys, once each)
        let leading: std::collections::HashSet<u32, foldhash::fast::FixedState> = pm.keys().filter_map(|p| ctx.ds.persons.get(p)).collect();
        for (k, b, p, row) in crate::rules::attendance::named_managers(ctx.ds, move |_, person| leading.contains(&person)) {
            let Some(opened) = ctx.views.projects.opened_at[k].and_then(day) else { continue };
            let Some(busy) = pm.get(p).and_then(|v| v.iter().find(|a| a.project != k && a.on(opened))) else { continue };
            let (here, there) = (ctx.views.projects.id[k].as_str(), ctx.views.projects.id[busy.project].as_str());
            let who = crate::rules::col::label_of(ctx, b);
            let p_shown = mask(p);
            let message = Text::new(
                format!("投标人 {who} 在项目 {here} 拟派的项目经理 {p_shown}，开标日（{opened}）仍在项目 {there} 担任项目经理"),
                format!("bidder {who} named {p_shown} project manager for {here}, who on the day of opening ({opened}) still led project {there}"),
            );
            out.push(
                Finding::new(self.code(), Severity::Signal, Subject::bidder(b), message)
                    .in_project(here)
                    .with_projects(vec![here.to_owned(), there.to_owned()])
                    .with_evidence(
                        Evidence::new("bid_personnel", row).with("bidder_id", b).with("person_id", p).with("role", "project_manager"),
                    )
                    .with_evidence(busy.evidence(there)),
            );
        }
        out
    }
}
