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
            masked(f)
        }
    }

    /// Column `name` of `table` by row index, formatted for a report.
    fn col(&self, table: TableName, name: &str) -> Vec<String> {
        let Some(df) = self.ds.frame(table) else { return Vec::new() };
        let Some(spec) = table.spec().columns.iter().find(|c| c.name == name) else { return vec![String::new(); df.height()] };
        match spec.ty {
            // money with thousands separators, for reading
            bidwatch_ingest::schema::ColType::Money => {
                frame::f64s(df, name).into_iter().map(|v| v.map(|x| Money(x).to_string()).unwrap_or_default()).collect()
            }
            _ => crate::case::contract_text(self.ds, table, &spec.ty, name).into_iter().map(Option::unwrap_or_default).collect(),
        }
    }

    fn bidder_names(&self) -> BTreeMap<String, String> {
        let ids = self.col(TableName::Bidders, "bidder_id");
        ids.into_iter().zip(self.col(TableName::Bidders, "name")).filter(|(i, _)| !i.is_empty()).collect()
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
        let (k, s, code, pts, at, st) = (
            self.col(TableName::Ledger, "subject_kind"),
            self.col(TableName::Ledger, "subject_id"),
            self.col(TableName::Ledger, "rule_code"),
            self.col(TableName::Ledger, "points"),
            self.col(TableName::Ledger, "occurred_at"),
            self.col(TableName::Ledger, "status"),
        );
        let rows = (0..k.len())
            .filter(|i| k[*i] == kind && s[*i] == id)
            .map(|i| vec![code[i].clone(), pts[i].clone(), at[i].clone(), st[i].clone()])
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
        let (p, who, role, start, end) = (
            self.col(TableName::Assignments, "project_id"),
            self.col(TableName::Assignments, "person_id"),
            self.col(TableName::Assignments, "role"),
            self.col(TableName::Assignments, "start_date"),
            self.col(TableName::Assignments, "end_date"),
        );
        let staff: Vec<Vec<String>> = (0..p.len())
            .filter(|i| projects.contains(&p[*i]))
            .map(|i| {
                let r = match (role[i].as_str(), zh) {
                    ("project_manager", true) => "项目经理".to_owned(),
                    ("chief_supervisor", true) => "总监理工程师".to_owned(),
                    (x, _) => x.to_owned(),
                };
                vec![p[i].clone(), self.person(&who[i]), r, start[i].clone(), end[i].clone()]
            })
            .collect();
        let (ap, aw, at) = (
            self.col(TableName::Attendance, "project_id"),
            self.col(TableName::Attendance, "person_id"),
            self.col(TableName::Attendance, "punched_at"),
        );
        let mut days: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
        for i in 0..ap.len() {
            if projects.contains(&ap[i]) && at[i].len() >= 10 {
                days.entry((ap[i].clone(), aw[i].clone(), at[i][..7].to_owned())).or_default().insert(at[i][..10].to_owned());
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
        let ids = self.col(TableName::Projects, "project_id");
        let i = ids.iter().position(|p| p == id)?;
        let get = |c: &str| self.col(TableName::Projects, c).get(i).cloned().unwrap_or_default();
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
        let names = self.bidder_names();
        let (bp, bb, price, rank, status, win) = (
            self.col(TableName::Bids, "project_id"),
            self.col(TableName::Bids, "bidder_id"),
            self.col(TableName::Bids, "price"),
            self.col(TableName::Bids, "rank"),
            self.col(TableName::Bids, "status"),
            self.col(TableName::Bids, "is_winner"),
        );
        let mut bids: Vec<Vec<String>> = (0..bp.len())
            .filter(|j| bp[*j] == id)
            .map(|j| {
                vec![
                    bb[j].clone(),
                    names.get(&bb[j]).cloned().unwrap_or_default(),
                    price[j].clone(),
                    rank[j].clone(),
                    word(&status[j], zh),
                    word(&win[j], zh),
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
        let (bp, bb, price, rank, win) = (
            self.col(TableName::Bids, "project_id"),
            self.col(TableName::Bids, "bidder_id"),
            self.col(TableName::Bids, "price"),
            self.col(TableName::Bids, "rank"),
            self.col(TableName::Bids, "is_winner"),
        );
        let bids: Vec<Vec<String>> = (0..bp.len())
            .filter(|j| bb[*j] == id)
            .map(|j| vec![bp[j].clone(), price[j].clone(), rank[j].clone(), word(&win[j], zh)])
            .collect();
        let findings: Vec<&Finding> = self
            .run
            .findings
            .iter()
            .filter(|f| (f.subject.kind == SubjectKind::Bidder && f.subject.id == id) || f.members.iter().any(|m| m == id))
            .collect();
        if bids.is_empty() && findings.is_empty() {
            return None;
        }
        let won = (0..bp.len()).filter(|j| bb[*j] == id && win[*j] == "true").count();
        let name = self.bidder_names().get(id).cloned().unwrap_or_default();
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
        let (p, e, sch, chk, st) = (
            self.col(TableName::ExpertAssignments, "project_id"),
            self.col(TableName::ExpertAssignments, "expert_id"),
            self.col(TableName::ExpertAssignments, "scheduled_at"),
            self.col(TableName::ExpertAssignments, "checked_in_at"),
            self.col(TableName::ExpertAssignments, "status"),
        );
        let sat: Vec<Vec<String>> =
            (0..p.len()).filter(|i| e[*i] == id).map(|i| vec![p[i].clone(), sch[i].clone(), chk[i].clone(), st[i].clone()]).collect();
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
        let (p, a, cat, pubd) = (
            self.col(TableName::Projects, "project_id"),
            self.col(TableName::Projects, "agent_id"),
            self.col(TableName::Projects, "category"),
            self.col(TableName::Projects, "published_at"),
        );
        let projects: Vec<Vec<String>> = (0..p.len())
            .filter(|i| a[*i] == id)
            .map(|i| vec![p[i].clone(), bidwatch_rules::rules::category_label(&cat[i], zh).to_owned(), pubd[i].clone()])
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
        let all = self.col(TableName::Projects, "project_id");
        let (name, cat) = (self.col(TableName::Projects, "name"), self.col(TableName::Projects, "category"));
        let set: BTreeSet<String> = ids.iter().cloned().collect();
        let rows = ids
            .iter()
            .map(|id| {
                let i = all.iter().position(|p| p == id);
                let of = |v: &[String]| i.and_then(|i| v.get(i).cloned()).unwrap_or_default();
                let fs: Vec<&Finding> = self.run.findings.iter().filter(|f| f.project_id.as_deref() == Some(id.as_str())).collect();
                let count = |s: bidwatch_model::Severity| fs.iter().filter(|f| f.severity == s).count().to_string();
                vec![
                    id.clone(),
                    of(&name),
                    bidwatch_rules::rules::category_label(&of(&cat), zh).to_owned(),
                    self.risk_of(id).map(|r| format!("{:.3}", r.risk)).unwrap_or_default(),
                    count(bidwatch_model::Severity::Violation),
                    count(bidwatch_model::Severity::Presumed),
                    count(bidwatch_model::Severity::Signal),
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
        let (p, r) = (self.col(TableName::Projects, "project_id"), self.col(TableName::Projects, "region"));
        let mut ids: Vec<String> = (0..p.len()).filter(|i| r[*i] == region).map(|i| p[i].clone()).collect();
        if ids.is_empty() {
            return None;
        }
        let risk = |id: &str| self.risk_of(id).map_or(0.0, |r| r.risk);
        ids.sort_by(|a, b| risk(b).total_cmp(&risk(a)).then(a.cmp(b)));
        Some(self.projects(if self.zh { format!("区域报告：{region}") } else { format!("Region report: {region}") }, &ids))
    }
}
