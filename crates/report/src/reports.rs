//! The reports a supervisor asks for — one project, bidder, expert or agent, a region, or the
//! projects of an inspection draw — built from the data set, the run's findings and the project
//! risks into a [`Document`]. Personal identifiers are masked unless asked otherwise.

use std::collections::{BTreeMap, BTreeSet};

use bidwatch_ingest::{frame, Dataset, TableName};
use bidwatch_model::text::mask;
use bidwatch_model::{Finding, Money, SubjectKind};
use bidwatch_rules::risk::ProjectRisk;
use bidwatch_rules::RunOutput;

use crate::document::{Document, Table};
use crate::outputs::masked;

/// What a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Project,
    Bidder,
    Expert,
    Agent,
    Region,
}

/// What every report reads.
#[derive(Debug)]
pub struct Sources<'a> {
    pub ds: &'a Dataset,
    pub run: &'a RunOutput,
    pub risk: &'a [ProjectRisk],
    pub zh: bool,
    pub unmask: bool,
}

/// A bid status or yes/no as the report language writes it.
fn word(v: &str, zh: bool) -> String {
    match (v, zh) {
        ("valid", true) => "有效".into(),
        ("rejected", true) => "否决".into(),
        ("withdrawn", true) => "撤回".into(),
        ("true", true) => "是".into(),
        ("false", true) => "否".into(),
        ("true", false) => "yes".into(),
        ("false", false) => "no".into(),
        (x, _) => x.to_owned(),
    }
}

fn t(zh: bool, a: &str, b: &str) -> String {
    if zh {
        a.to_owned()
    } else {
        b.to_owned()
    }
}

impl Sources<'_> {
    fn person(&self, id: &str) -> String {
        if self.unmask {
            id.to_owned()
        } else {
            mask(id)
        }
    }

    fn shown(&self, f: &Finding) -> Finding {
        if self.unmask {
            f.clone()
        } else {
            masked(f).into_owned()
        }
    }

    /// The rows of `table` whose `key` column passes `keep`, with the columns `names` formatted
    /// for a report (a row's cells in `names` order). Only the chosen rows are formatted: a
    /// county's tables hold millions of rows and a report shows a few.
    fn rows_where(&self, table: TableName, key: &str, keep: impl Fn(&str) -> bool, names: &[&str]) -> Vec<Vec<String>> {
        let Some(df) = self.ds.frame(table) else { return Vec::new() };
        let at: Vec<usize> = frame::str_iter(df, key).enumerate().filter(|(_, v)| v.is_some_and(&keep)).map(|(i, _)| i).collect();
        let chosen = frame::gather(df, &at);
        let columns: Vec<Vec<String>> = names.iter().map(|n| formatted(&chosen, table, n)).collect();
        (0..chosen.height()).map(|r| columns.iter().map(|c| c[r].clone()).collect()).collect()
    }

    /// The names of the given bidders (those `bidders` names).
    fn bidder_names(&self, ids: &BTreeSet<&str>) -> BTreeMap<String, String> {
        let rows = self.rows_where(TableName::Bidders, "bidder_id", |b| ids.contains(b), &["bidder_id", "name"]);
        rows.into_iter().map(|mut r| (std::mem::take(&mut r[0]), std::mem::take(&mut r[1]))).collect()
    }

    fn findings_table(&self, list: &[&Finding]) -> Table {
        let zh = self.zh;
        Table {
            name: t(zh, "发现", "Findings"),
            headers: vec![
                t(zh, "规则", "rule"),
                t(zh, "严重程度", "severity"),
                t(zh, "对象", "subject"),
                t(zh, "项目", "project"),
                t(zh, "扣分", "points"),
                t(zh, "说明", "what"),
            ],
            rows: list
                .iter()
                .map(|f| {
                    let f = self.shown(f);
                    vec![
                        f.code.to_string(),
                        f.severity.label(zh).to_owned(),
                        f.subject.id.clone(),
                        f.project_id.clone().unwrap_or_default(),
                        f.points.map(|p| p.to_string()).unwrap_or_default(),
                        f.message.get(zh).to_owned(),
                    ]
                })
                .collect(),
        }
    }

    fn ledger_table(&self, kind: &str, id: &str) -> Table {
        let zh = self.zh;
        let cells = ["subject_kind", "rule_code", "points", "occurred_at", "status"];
        let rows = self
            .rows_where(TableName::Ledger, "subject_id", |s| s == id, &cells)
            .into_iter()
            .filter(|r| r[0] == kind)
            .map(|mut r| r.split_off(1))
            .collect();
        Table {
            name: t(zh, "记分台账", "Points ledger"),
            headers: vec![t(zh, "事项", "code"), t(zh, "分值", "points"), t(zh, "时间", "when"), t(zh, "状态", "status")],
            rows,
        }
    }

    /// Key staff of the projects, and their days on site by month.
    fn staff_tables(&self, projects: &BTreeSet<String>) -> [Table; 2] {
        let zh = self.zh;
        let cells = ["project_id", "person_id", "role", "start_date", "end_date"];
        let staff: Vec<Vec<String>> = self
            .rows_where(TableName::Assignments, "project_id", |p| projects.contains(p), &cells)
            .into_iter()
            .map(|r| {
                let role = match (r[2].as_str(), zh) {
                    ("project_manager", true) => "项目经理".to_owned(),
                    ("chief_supervisor", true) => "总监理工程师".to_owned(),
                    (x, _) => x.to_owned(),
                };
                vec![r[0].clone(), self.person(&r[1]), role, r[3].clone(), r[4].clone()]
            })
            .collect();
        let punches =
            self.rows_where(TableName::Attendance, "project_id", |p| projects.contains(p), &["project_id", "person_id", "punched_at"]);
        let mut days: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
        for r in punches {
            if r[2].len() >= 10 {
                days.entry((r[0].clone(), r[1].clone(), r[2][..7].to_owned())).or_default().insert(r[2][..10].to_owned());
            }
        }
        let attendance = days.into_iter().map(|((p, w, m), d)| vec![p, self.person(&w), m, d.len().to_string()]).collect();
        [
            Table {
                name: t(zh, "关键岗位人员", "Key staff"),
                headers: vec![
                    t(zh, "项目", "project"),
                    t(zh, "人员", "person"),
                    t(zh, "岗位", "role"),
                    t(zh, "进场", "from"),
                    t(zh, "退场", "to"),
                ],
                rows: staff,
            },
            Table {
                name: t(zh, "考勤（按月打卡天数）", "Attendance (days punched by month)"),
                headers: vec![t(zh, "项目", "project"), t(zh, "人员", "person"), t(zh, "月份", "month"), t(zh, "打卡天数", "days")],
                rows: attendance,
            },
        ]
    }

    fn risk_of(&self, id: &str) -> Option<&ProjectRisk> {
        self.risk.iter().find(|r| r.project_id == id)
    }

    /// One project: its facts and risk, its bids, findings, key staff and attendance.
    pub fn project(&self, id: &str) -> Option<Document> {
        let zh = self.zh;
        let cells = ["name", "category", "region", "tenderer_id", "agent_id", "ceiling_price", "opened_at", "award_notice_at"];
        let row = self.rows_where(TableName::Projects, "project_id", |p| p == id, &cells).into_iter().next()?;
        let get = |c: &str| cells.iter().position(|x| *x == c).map(|i| row[i].clone()).unwrap_or_default();
        let category = get("category");
        let mut facts = vec![
            (t(zh, "项目编号", "project"), id.to_owned()),
            (t(zh, "名称", "name"), get("name")),
            (t(zh, "交易类型", "category"), bidwatch_rules::rules::category_label(&category, zh).to_owned()),
            (t(zh, "区域", "region"), get("region")),
            (t(zh, "招标人", "tenderer"), get("tenderer_id")),
            (t(zh, "代理机构", "agent"), get("agent_id")),
            (t(zh, "最高投标限价（元）", "ceiling (yuan)"), get("ceiling_price")),
            (t(zh, "开标时间", "opened"), get("opened_at")),
            (t(zh, "中标通知书", "award notice"), get("award_notice_at")),
        ];
        if let Some(r) = self.risk_of(id) {
            facts.push((t(zh, "风险", "risk"), format!("{:.3}", r.risk)));
            facts.push((t(zh, "参照组", "reference group"), r.reference_group.clone()));
            facts.push((t(zh, "风险来源", "drivers"), r.drivers.iter().chain(&r.codes).cloned().collect::<Vec<_>>().join(", ")));
        }
        let cells = ["bidder_id", "price", "rank", "status", "is_winner"];
        let rows = self.rows_where(TableName::Bids, "project_id", |p| p == id, &cells);
        let names = self.bidder_names(&rows.iter().map(|r| r[0].as_str()).collect());
        let mut bids: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r[0].clone(),
                    names.get(&r[0]).cloned().unwrap_or_default(),
                    r[1].clone(),
                    r[2].clone(),
                    word(&r[3], zh),
                    word(&r[4], zh),
                ]
            })
            .collect();
        bids.sort_by_key(|r| (r[3].parse::<u32>().unwrap_or(u32::MAX), r[0].clone()));
        let findings: Vec<&Finding> =
            self.run.findings.iter().filter(|f| f.project_id.as_deref() == Some(id) || f.projects.iter().any(|p| p == id)).collect();
        let one: BTreeSet<String> = std::iter::once(id.to_owned()).collect();
        let [staff, attendance] = self.staff_tables(&one);
        Some(Document {
            title: if zh { format!("项目报告：{id}") } else { format!("Project report: {id}") },
            facts,
            tables: vec![
                Table {
                    name: t(zh, "投标", "Bids"),
                    headers: vec![
                        t(zh, "投标人", "bidder"),
                        t(zh, "名称", "name"),
                        t(zh, "报价（元）", "price (yuan)"),
                        t(zh, "排名", "rank"),
                        t(zh, "状态", "status"),
                        t(zh, "中标", "won"),
                    ],
                    rows: bids,
                },
                self.findings_table(&findings),
                staff,
                attendance,
            ],
            zh,
        })
    }

    /// One bidder: its bids, the findings that name it, its ledger.
    pub fn bidder(&self, id: &str) -> Option<Document> {
        let zh = self.zh;
        let rows = self.rows_where(TableName::Bids, "bidder_id", |b| b == id, &["project_id", "price", "rank", "is_winner"]);
        let won = rows.iter().filter(|r| r[3] == "true").count();
        let bids: Vec<Vec<String>> = rows.into_iter().map(|r| vec![r[0].clone(), r[1].clone(), r[2].clone(), word(&r[3], zh)]).collect();
        let findings: Vec<&Finding> = self
            .run
            .findings
            .iter()
            .filter(|f| (f.subject.kind == SubjectKind::Bidder && f.subject.id == id) || f.members.iter().any(|m| m == id))
            .collect();
        if bids.is_empty() && findings.is_empty() {
            return None;
        }
        let name = self.bidder_names(&std::iter::once(id).collect()).remove(id).unwrap_or_default();
        Some(Document {
            title: if zh { format!("投标人报告：{name} ({id})") } else { format!("Bidder report: {name} ({id})") },
            facts: vec![
                (t(zh, "投标次数", "bids"), bids.len().to_string()),
                (t(zh, "中标次数", "won"), won.to_string()),
                (t(zh, "发现", "findings"), findings.len().to_string()),
            ],
            tables: vec![
                Table {
                    name: t(zh, "投标", "Bids"),
                    headers: vec![
                        t(zh, "项目", "project"),
                        t(zh, "报价（元）", "price (yuan)"),
                        t(zh, "排名", "rank"),
                        t(zh, "中标", "won"),
                    ],
                    rows: bids,
                },
                self.findings_table(&findings),
                self.ledger_table("bidder", id),
            ],
            zh,
        })
    }

    /// One expert: committees sat on, findings, ledger.
    pub fn expert(&self, id: &str) -> Option<Document> {
        let zh = self.zh;
        let sat = self.rows_where(
            TableName::ExpertAssignments,
            "expert_id",
            |e| e == id,
            &["project_id", "scheduled_at", "checked_in_at", "status"],
        );
        let findings: Vec<&Finding> = self
            .run
            .findings
            .iter()
            .filter(|f| {
                (f.subject.kind == SubjectKind::Expert && f.subject.id == id)
                    || (f.code.family() == "EXP" && f.members.iter().any(|m| m == id))
            })
            .collect();
        if sat.is_empty() && findings.is_empty() {
            return None;
        }
        Some(Document {
            title: if zh { format!("评标专家报告：{id}") } else { format!("Expert report: {id}") },
            facts: vec![(t(zh, "参加评标", "committees"), sat.len().to_string()), (t(zh, "发现", "findings"), findings.len().to_string())],
            tables: vec![
                Table {
                    name: t(zh, "评标", "Committees"),
                    headers: vec![
                        t(zh, "项目", "project"),
                        t(zh, "集合时间", "scheduled"),
                        t(zh, "签到", "checked in"),
                        t(zh, "状态", "status"),
                    ],
                    rows: sat,
                },
                self.findings_table(&findings),
                self.ledger_table("expert", id),
            ],
            zh,
        })
    }

    /// One agent: its projects, findings, monthly evaluation.
    pub fn agent(&self, id: &str) -> Option<Document> {
        let zh = self.zh;
        let projects: Vec<Vec<String>> = self
            .rows_where(TableName::Projects, "agent_id", |a| a == id, &["project_id", "category", "published_at"])
            .into_iter()
            .map(|r| vec![r[0].clone(), bidwatch_rules::rules::category_label(&r[1], zh).to_owned(), r[2].clone()])
            .collect();
        let findings: Vec<&Finding> =
            self.run.findings.iter().filter(|f| f.subject.kind == SubjectKind::Agent && f.subject.id == id).collect();
        if projects.is_empty() && findings.is_empty() {
            return None;
        }
        let ranking = self
            .run
            .agent_ranking
            .iter()
            .filter(|m| m.agent_id == id)
            .map(|m| {
                vec![
                    m.month.clone(),
                    m.rank.to_string(),
                    m.deducted_month.to_string(),
                    m.deducted_year.to_string(),
                    m.score.to_string(),
                    m.grade.to_string(),
                ]
            })
            .collect();
        Some(Document {
            title: if zh { format!("代理机构报告：{id}") } else { format!("Agent report: {id}") },
            facts: vec![
                (t(zh, "代理项目", "projects"), projects.len().to_string()),
                (t(zh, "发现", "findings"), findings.len().to_string()),
            ],
            tables: vec![
                Table {
                    name: t(zh, "代理项目", "Projects"),
                    headers: vec![t(zh, "项目", "project"), t(zh, "交易类型", "category"), t(zh, "发布时间", "published")],
                    rows: projects,
                },
                self.findings_table(&findings),
                Table {
                    name: t(zh, "月度考评", "Monthly evaluation"),
                    headers: vec![
                        t(zh, "月份", "month"),
                        t(zh, "排名", "rank"),
                        t(zh, "当月扣分", "deducted (month)"),
                        t(zh, "年度扣分", "deducted (year)"),
                        t(zh, "得分", "score"),
                        t(zh, "等级", "grade"),
                    ],
                    rows: ranking,
                },
            ],
            zh,
        })
    }

    /// A list of projects (a region, or an inspection draw) with their risk and findings, and their
    /// key staff and attendance.
    pub fn projects(&self, title: String, ids: &[String]) -> Document {
        let zh = self.zh;
        let set: BTreeSet<String> = ids.iter().cloned().collect();
        let facts: BTreeMap<String, (String, String)> = self
            .rows_where(TableName::Projects, "project_id", |p| set.contains(p), &["project_id", "name", "category"])
            .into_iter()
            .map(|mut r| (std::mem::take(&mut r[0]), (std::mem::take(&mut r[1]), std::mem::take(&mut r[2]))))
            .collect();
        // Findings and risks by project, read once (not a scan of all findings per project).
        let mut severities: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
        for f in &self.run.findings {
            let Some(p) = f.project_id.as_deref().filter(|p| set.contains(*p)) else { continue };
            let slot = match f.severity {
                bidwatch_model::Severity::Violation => 0,
                bidwatch_model::Severity::Presumed => 1,
                bidwatch_model::Severity::Signal => 2,
            };
            severities.entry(p).or_default()[slot] += 1;
        }
        let risks: BTreeMap<&str, f64> =
            self.risk.iter().filter(|r| set.contains(&r.project_id)).map(|r| (r.project_id.as_str(), r.risk)).collect();
        let rows = ids
            .iter()
            .map(|id| {
                let (name, cat) = facts.get(id).cloned().unwrap_or_default();
                let count = severities.get(id.as_str()).copied().unwrap_or_default();
                vec![
                    id.clone(),
                    name,
                    bidwatch_rules::rules::category_label(&cat, zh).to_owned(),
                    risks.get(id.as_str()).map(|r| format!("{r:.3}")).unwrap_or_default(),
                    count[0].to_string(),
                    count[1].to_string(),
                    count[2].to_string(),
                ]
            })
            .collect();
        let findings: Vec<&Finding> = self.run.findings.iter().filter(|f| f.project_id.as_ref().is_some_and(|p| set.contains(p))).collect();
        let [staff, attendance] = self.staff_tables(&set);
        Document {
            title,
            facts: vec![(t(zh, "项目数", "projects"), ids.len().to_string()), (t(zh, "发现", "findings"), findings.len().to_string())],
            tables: vec![
                Table {
                    name: t(zh, "项目", "Projects"),
                    headers: vec![
                        t(zh, "项目", "project"),
                        t(zh, "名称", "name"),
                        t(zh, "交易类型", "category"),
                        t(zh, "风险", "risk"),
                        t(zh, "违规", "violations"),
                        t(zh, "法定推定", "presumed"),
                        t(zh, "风险线索", "signals"),
                    ],
                    rows,
                },
                self.findings_table(&findings),
                staff,
                attendance,
            ],
            zh,
        }
    }

    /// The projects of a region (`projects.region`), riskiest first.
    pub fn region(&self, region: &str) -> Option<Document> {
        let mut ids: Vec<String> =
            self.rows_where(TableName::Projects, "region", |r| r == region, &["project_id"]).into_iter().map(|mut r| r.remove(0)).collect();
        if ids.is_empty() {
            return None;
        }
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let risks: BTreeMap<&str, f64> =
            self.risk.iter().filter(|r| wanted.contains(r.project_id.as_str())).map(|r| (r.project_id.as_str(), r.risk)).collect();
        let risk = |id: &str| risks.get(id).copied().unwrap_or(0.0);
        ids.sort_by(|a, b| risk(b).total_cmp(&risk(a)).then(a.cmp(b)));
        Some(self.projects(if self.zh { format!("区域报告：{region}") } else { format!("Region report: {region}") }, &ids))
    }
}

/// Column `name` of `df` (rows of `table`), formatted for a report: money with thousands
/// separators, the rest as the contract writes it.
fn formatted(df: &frame::DataFrame, table: TableName, name: &str) -> Vec<String> {
    let Some(spec) = table.spec().columns.iter().find(|c| c.name == name) else { return vec![String::new(); df.height()] };
    match spec.ty {
        bidwatch_ingest::schema::ColType::Money => {
            frame::f64s(df, name).into_iter().map(|v| v.map(|x| Money(x).to_string()).unwrap_or_default()).collect()
        }
        _ => crate::case::contract_text_of(df, &spec.ty, name).into_iter().map(Option::unwrap_or_default).collect(),
    }
}
