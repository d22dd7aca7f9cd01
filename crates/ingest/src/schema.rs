//! The input contract (v1) as data: every table, its columns, their Chinese aliases, types,
//! enumerations, keys and references. `docs/data-format.md` is written from this file.

use std::fmt;

/// The tables of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableName {
    Projects,
    Bids,
    Bidders,
    BidPersonnel,
    Employment,
    Shareholders,
    Experts,
    ExpertAssignments,
    Evaluations,
    Agents,
    AgentEvents,
    Assignments,
    Attendance,
    Leave,
    Interviews,
    Ledger,
    Complaints,
    Deposits,
    Clauses,
}

impl TableName {
    /// In the order they are validated: referenced tables before the tables that refer to them.
    pub const ALL: [TableName; 19] = [
        TableName::Projects,
        TableName::Bidders,
        TableName::Experts,
        TableName::Agents,
        TableName::Bids,
        TableName::BidPersonnel,
        TableName::Employment,
        TableName::Shareholders,
        TableName::ExpertAssignments,
        TableName::Evaluations,
        TableName::AgentEvents,
        TableName::Assignments,
        TableName::Attendance,
        TableName::Leave,
        TableName::Interviews,
        TableName::Ledger,
        TableName::Complaints,
        TableName::Deposits,
        TableName::Clauses,
    ];

    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<TableName> {
        TableName::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub fn spec(self) -> &'static TableSpec {
        spec_of(self)
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which interned key space an id column belongs to. Bidders, tenderers, agents and employers
/// share one space (`Org`), so an agent that bids in its own project has the same key as a bidder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeySpace {
    Project,
    Org,
    Person,
    Expert,
    /// Decided per row by a kind column (`holder_kind`, `subject_kind`).
    ByKind(&'static str),
}

/// An enumeration value with the labels accepted for it.
#[derive(Debug)]
pub struct EnumValue {
    pub value: &'static str,
    pub aliases: &'static [&'static str],
}

/// The type of a column, which decides how a cell is parsed and normalised.
#[derive(Debug)]
pub enum ColType {
    /// An identifier: trimmed, width-folded; a 统一社会信用代码 shape is upper-cased and checked.
    Id(Option<KeySpace>),
    /// Free text (names, addresses): trimmed, width-folded, white space collapsed.
    Text,
    Enum(&'static [EnumValue]),
    /// CNY yuan, never negative.
    Money,
    /// A decimal number within bounds.
    Number {
        min: f64,
        max: f64,
    },
    /// A whole number within bounds.
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    Date,
    DateTime,
    Month,
    Phone,
    Email,
    Ip,
    Mac,
    /// `;`-separated ids.
    List,
    /// A rule code such as COL-006.
    RuleCode,
}

#[derive(Debug)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub ty: ColType,
    pub required: bool,
    /// The value must exist as the key of this table, when that table is in the data set.
    pub refers: Option<TableName>,
}

#[derive(Debug)]
pub struct TableSpec {
    pub name: &'static str,
    pub zh: &'static str,
    pub required: bool,
    pub columns: &'static [ColumnSpec],
    /// Columns whose values together identify a row; a later row with the same values is set aside.
    pub unique: &'static [&'static str],
}

impl TableSpec {
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn col(name: &'static str, aliases: &'static [&'static str], ty: ColType) -> ColumnSpec {
    ColumnSpec { name, aliases, ty, required: false, refers: None }
}
const fn req(name: &'static str, aliases: &'static [&'static str], ty: ColType) -> ColumnSpec {
    ColumnSpec { name, aliases, ty, required: true, refers: None }
}
const fn refr(mut c: ColumnSpec, t: TableName) -> ColumnSpec {
    c.refers = Some(t);
    c
}
const fn ev(value: &'static str, aliases: &'static [&'static str]) -> EnumValue {
    EnumValue { value, aliases }
}

use ColType::*;
use KeySpace::*;

pub const CATEGORY: &[EnumValue] = &[
    ev("engineering", &["工程建设", "工程", "建设工程", "工程建设项目"]),
    ev("procurement", &["政府采购", "采购"]),
    ev("property", &["产权交易", "产权"]),
    ev("land", &["国有建设用地", "土地", "土地出让", "国有建设用地使用权出让"]),
    ev("mall", &["网上商城", "电子卖场", "商城"]),
    ev("other", &["其他", "其它"]),
];
pub const BID_STATUS: &[EnumValue] = &[
    ev("valid", &["有效", "有效投标"]),
    ev("rejected", &["无效", "否决", "被否决", "废标", "无效投标"]),
    ev("withdrawn", &["撤回", "撤销", "放弃", "弃标"]),
];
pub const PERSONNEL_ROLE: &[EnumValue] = &[
    ev("project_manager", &["项目经理", "项目负责人"]),
    ev("tech_lead", &["技术负责人"]),
    ev("chief_supervisor", &["总监", "总监理工程师", "项目总监"]),
    ev("contact", &["联系人"]),
    ev("other", &["其他", "其它"]),
];
pub const KEY_ROLE: &[EnumValue] =
    &[ev("project_manager", &["项目经理", "项目负责人"]), ev("chief_supervisor", &["总监", "总监理工程师", "项目总监"])];
pub const HOLDER_KIND: &[EnumValue] = &[ev("person", &["自然人", "个人"]), ev("org", &["法人", "企业", "单位", "机构", "organization"])];
pub const EXPERT_STATUS: &[EnumValue] =
    &[ev("present", &["出席", "到场", "正常", "签到"]), ev("late", &["迟到"]), ev("absent", &["缺席", "未到"]), ev("recused", &["回避"])];
pub const SUBJECT_KIND: &[EnumValue] = &[
    ev("bidder", &["投标人", "供应商"]),
    ev("expert", &["专家", "评标专家"]),
    ev("agent", &["代理机构", "招标代理"]),
    ev("person", &["个人", "人员"]),
];
pub const INTERVIEW_KIND: &[EnumValue] =
    &[ev("post_bid", &["标后约谈"]), ev("prior_notice", &["约谈告知", "扣分前约谈"]), ev("attendance", &["考勤约谈", "集体约谈"])];
pub const LEDGER_STATUS: &[EnumValue] =
    &[ev("pending", &["待生效", "申辩中", "公示中"]), ev("effective", &["生效", "有效"]), ev("revoked", &["撤销", "已撤销"])];
pub const COMPLAINT_KIND: &[EnumValue] = &[ev("objection", &["异议", "质疑"]), ev("complaint", &["投诉"])];
pub const DEPOSIT_KIND: &[EnumValue] = &[ev("bid", &["投标保证金"]), ev("performance", &["履约保证金"]), ev("quality", &["质量保证金"])];

const PROJECT_ID: ColumnSpec = refr(req("project_id", &["项目编号", "项目代码"], Id(Some(Project))), TableName::Projects);
const BIDDER_ID: ColumnSpec =
    refr(req("bidder_id", &["投标人", "投标人编号", "统一社会信用代码", "供应商"], Id(Some(Org))), TableName::Bidders);

static PROJECTS: TableSpec = TableSpec {
    name: "projects",
    zh: "项目",
    required: true,
    unique: &["project_id"],
    columns: &[
        req("project_id", &["项目编号", "项目代码"], Id(Some(Project))),
        col("name", &["项目名称"], Text),
        req("category", &["交易类型", "项目类型"], Enum(CATEGORY)),
        col("region", &["区域", "地区"], Text),
        col("tenderer_id", &["招标人", "采购人", "招标人编号"], Id(Some(Org))),
        col("agent_id", &["代理机构", "招标代理", "代理机构编号"], Id(Some(Org))),
        col("ceiling_price", &["最高投标限价", "招标控制价", "最高限价"], Money),
        col("estimate", &["估算价", "预算", "预算金额", "估算价/预算"], Money),
        col("bond_waived", &["免收保证金", "免收投标保证金"], Bool),
        col("evaluation_method", &["评标办法", "评审办法"], Text),
        col("published_at", &["发布时间", "公告时间", "招标公告发布时间"], DateTime),
        col("bid_deadline_at", &["投标截止", "投标截止时间"], DateTime),
        col("opened_at", &["开标", "开标时间"], DateTime),
        col("award_notice_at", &["中标通知书", "中标通知书发出时间"], DateTime),
        col("contract_signed_at", &["合同签订", "合同签订时间"], DateTime),
    ],
};

static BIDS: TableSpec = TableSpec {
    name: "bids",
    zh: "投标",
    required: true,
    unique: &[],
    columns: &[
        PROJECT_ID,
        BIDDER_ID,
        req("price", &["投标报价", "报价", "投标价"], Money),
        col("submitted_at", &["递交时间", "上传时间", "投标时间"], DateTime),
        col("status", &["状态", "投标状态"], Enum(BID_STATUS)),
        col("rank", &["排名", "名次", "中标候选人排序"], Int { min: 1, max: 100_000 }),
        col("is_winner", &["是否中标", "中标"], Bool),
        col("upload_ip", &["上传IP", "IP地址", "投标IP"], Ip),
        col("upload_mac", &["MAC地址", "上传MAC", "网卡MAC"], Mac),
        col("machine_code", &["编制机器码", "机器码"], Id(None)),
        col("lock_serials", &["加密锁号", "锁号"], List),
        col("file_create_id", &["文件创建标识码", "创建标识码"], Id(None)),
        col("doc_author", &["文档作者", "作者"], Text),
        col("doc_hash", &["文件哈希", "文档哈希"], Id(None)),
        col("bond_account", &["保证金付款账户", "保证金账户"], Id(None)),
        col("authorized_rep_id", &["授权委托人", "委托代理人"], Id(Some(Person))),
        col("consortium_id", &["联合体", "联合体编号"], Id(None)),
    ],
};

static BIDDERS: TableSpec = TableSpec {
    name: "bidders",
    zh: "投标人",
    required: false,
    unique: &["bidder_id"],
    columns: &[
        req("bidder_id", &["统一社会信用代码", "投标人", "投标人编号", "供应商"], Id(Some(Org))),
        req("name", &["名称", "投标人名称", "单位名称", "企业名称"], Text),
        col("legal_rep_id", &["法定代表人", "法定代表人身份证号", "单位负责人"], Id(Some(Person))),
        col("phone", &["电话", "联系电话"], Phone),
        col("email", &["邮箱", "电子邮箱"], Email),
        col("address", &["地址", "办公地址", "注册地址"], Text),
        col("basic_account", &["基本账户", "基本存款账户"], Id(None)),
    ],
};

static BID_PERSONNEL: TableSpec = TableSpec {
    name: "bid_personnel",
    zh: "投标人员",
    required: false,
    unique: &["project_id", "bidder_id", "person_id", "role"],
    columns: &[
        PROJECT_ID,
        BIDDER_ID,
        req("person_id", &["人员", "身份证号", "人员编号"], Id(Some(Person))),
        req("role", &["岗位", "角色"], Enum(PERSONNEL_ROLE)),
    ],
};

static EMPLOYMENT: TableSpec = TableSpec {
    name: "employment",
    zh: "社保缴纳",
    required: false,
    unique: &["person_id", "employer_id", "month"],
    columns: &[
        req("person_id", &["人员", "身份证号", "人员编号"], Id(Some(Person))),
        req("employer_id", &["缴纳单位", "用人单位", "单位"], Id(Some(Org))),
        req("month", &["社保缴纳", "缴费月份", "月份"], Month),
    ],
};

static SHAREHOLDERS: TableSpec = TableSpec {
    name: "shareholders",
    zh: "股东",
    required: false,
    unique: &["bidder_id", "holder_id"],
    columns: &[
        BIDDER_ID,
        req("holder_id", &["股东", "股东编号"], Id(Some(ByKind("holder_kind")))),
        col("holder_kind", &["股东类型"], Enum(HOLDER_KIND)),
        col("share_pct", &["持股比例", "出资比例"], Number { min: 0.0, max: 100.0 }),
        col("is_controller", &["实际控制人", "是否实际控制人"], Bool),
    ],
};

static EXPERTS: TableSpec = TableSpec {
    name: "experts",
    zh: "评标专家",
    required: false,
    unique: &["expert_id"],
    columns: &[
        req("expert_id", &["专家编号", "专家"], Id(Some(Expert))),
        col("name", &["姓名", "专家姓名"], Text),
        col("employer_id", &["工作单位", "所在单位"], Id(Some(Org))),
    ],
};

const EXPERT_ID: ColumnSpec = refr(req("expert_id", &["专家编号", "专家"], Id(Some(Expert))), TableName::Experts);

static EXPERT_ASSIGNMENTS: TableSpec = TableSpec {
    name: "expert_assignments",
    zh: "专家抽取",
    required: false,
    unique: &["project_id", "expert_id"],
    columns: &[
        PROJECT_ID,
        EXPERT_ID,
        col("scheduled_at", &["集合时间", "评标时间"], DateTime),
        col("checked_in_at", &["签到时间"], DateTime),
        col("status", &["状态", "出席情况"], Enum(EXPERT_STATUS)),
    ],
};

static EVALUATIONS: TableSpec = TableSpec {
    name: "evaluations",
    zh: "评分",
    required: false,
    unique: &["project_id", "expert_id", "bidder_id", "criterion"],
    columns: &[
        PROJECT_ID,
        EXPERT_ID,
        BIDDER_ID,
        req("score", &["得分", "分数"], Number { min: -1e6, max: 1e6 }),
        col("max_score", &["满分", "分值"], Number { min: 0.0, max: 1e6 }),
        col("criterion", &["评分项", "评审因素"], Text),
        col("objective", &["客观分", "是否客观分"], Bool),
    ],
};

static AGENTS: TableSpec = TableSpec {
    name: "agents",
    zh: "代理机构",
    required: false,
    unique: &["agent_id"],
    columns: &[
        req("agent_id", &["代理机构编号", "代理机构", "统一社会信用代码"], Id(Some(Org))),
        col("name", &["名称", "代理机构名称"], Text),
    ],
};

static AGENT_EVENTS: TableSpec = TableSpec {
    name: "agent_events",
    zh: "代理机构记录",
    required: false,
    unique: &[],
    columns: &[
        refr(req("agent_id", &["代理机构编号", "代理机构"], Id(Some(Org))), TableName::Agents),
        refr(col("project_id", &["项目编号"], Id(Some(Project))), TableName::Projects),
        req("rule_code", &["规则编号", "事项编号"], RuleCode),
        req("occurred_at", &["发生时间", "记录时间"], DateTime),
    ],
};

static ASSIGNMENTS: TableSpec = TableSpec {
    name: "assignments",
    zh: "关键岗位",
    required: false,
    unique: &["project_id", "person_id", "role", "start_date"],
    columns: &[
        PROJECT_ID,
        req("person_id", &["人员", "身份证号", "人员编号"], Id(Some(Person))),
        req("role", &["岗位", "角色"], Enum(KEY_ROLE)),
        req("start_date", &["开始日期", "进场日期"], Date),
        col("end_date", &["结束日期", "退场日期"], Date),
    ],
};

static ATTENDANCE: TableSpec = TableSpec {
    name: "attendance",
    zh: "考勤",
    required: false,
    unique: &["project_id", "person_id", "punched_at"],
    columns: &[
        PROJECT_ID,
        req("person_id", &["人员", "身份证号", "人员编号"], Id(Some(Person))),
        req("punched_at", &["打卡时间", "考勤时间"], DateTime),
        col("lat", &["纬度"], Number { min: -90.0, max: 90.0 }),
        col("lon", &["经度"], Number { min: -180.0, max: 180.0 }),
        col("photo_hash", &["照片哈希", "照片指纹"], Id(None)),
        col("device_id", &["设备号", "考勤设备"], Id(None)),
    ],
};

static LEAVE: TableSpec = TableSpec {
    name: "leave",
    zh: "请假",
    required: false,
    unique: &["project_id", "person_id", "date"],
    columns: &[
        PROJECT_ID,
        req("person_id", &["人员", "身份证号", "人员编号"], Id(Some(Person))),
        req("date", &["日期", "请假日期"], Date),
        col("approved", &["是否批准", "已批准"], Bool),
    ],
};

static INTERVIEWS: TableSpec = TableSpec {
    name: "interviews",
    zh: "约谈",
    required: false,
    unique: &[],
    columns: &[
        req("subject_kind", &["对象类型"], Enum(SUBJECT_KIND)),
        req("subject_id", &["对象", "对象编号"], Id(Some(ByKind("subject_kind")))),
        refr(col("project_id", &["项目编号"], Id(Some(Project))), TableName::Projects),
        req("kind", &["约谈类型", "类型"], Enum(INTERVIEW_KIND)),
        req("held_at", &["约谈时间"], DateTime),
    ],
};

static LEDGER: TableSpec = TableSpec {
    name: "ledger",
    zh: "记分台账",
    required: false,
    unique: &[],
    columns: &[
        req("subject_kind", &["对象类型"], Enum(SUBJECT_KIND)),
        req("subject_id", &["对象", "对象编号"], Id(Some(ByKind("subject_kind")))),
        req("rule_code", &["规则编号", "扣分事项"], RuleCode),
        req("points", &["分值", "扣分"], Number { min: -1000.0, max: 1000.0 }),
        req("occurred_at", &["发生时间", "记分时间"], DateTime),
        col("status", &["状态"], Enum(LEDGER_STATUS)),
    ],
};

static COMPLAINTS: TableSpec = TableSpec {
    name: "complaints",
    zh: "异议投诉",
    required: false,
    unique: &["complaint_id"],
    columns: &[
        req("complaint_id", &["投诉编号", "编号"], Id(None)),
        PROJECT_ID,
        req("kind", &["类型"], Enum(COMPLAINT_KIND)),
        req("received_at", &["收到时间", "受理申请时间"], DateTime),
        col("accepted_at", &["受理时间"], DateTime),
        col("decided_at", &["处理决定时间", "答复时间"], DateTime),
        col("excluded_days", &["不计算天数", "扣除天数"], Int { min: 0, max: 3650 }),
    ],
};

static DEPOSITS: TableSpec = TableSpec {
    name: "deposits",
    zh: "保证金",
    required: false,
    unique: &["project_id", "bidder_id", "kind"],
    columns: &[
        PROJECT_ID,
        BIDDER_ID,
        req("kind", &["类型", "保证金类型"], Enum(DEPOSIT_KIND)),
        req("amount", &["金额"], Money),
        col("paid_at", &["缴纳时间"], DateTime),
        col("refunded_at", &["退还时间"], DateTime),
    ],
};

static CLAUSES: TableSpec = TableSpec {
    name: "clauses",
    zh: "招标文件条款",
    required: false,
    unique: &["project_id", "clause_no"],
    columns: &[PROJECT_ID, col("clause_no", &["条款号", "条款编号"], Id(None)), req("text", &["条款内容", "内容"], Text)],
};

fn spec_of(t: TableName) -> &'static TableSpec {
    match t {
        TableName::Projects => &PROJECTS,
        TableName::Bids => &BIDS,
        TableName::Bidders => &BIDDERS,
        TableName::BidPersonnel => &BID_PERSONNEL,
        TableName::Employment => &EMPLOYMENT,
        TableName::Shareholders => &SHAREHOLDERS,
        TableName::Experts => &EXPERTS,
        TableName::ExpertAssignments => &EXPERT_ASSIGNMENTS,
        TableName::Evaluations => &EVALUATIONS,
        TableName::Agents => &AGENTS,
        TableName::AgentEvents => &AGENT_EVENTS,
        TableName::Assignments => &ASSIGNMENTS,
        TableName::Attendance => &ATTENDANCE,
        TableName::Leave => &LEAVE,
        TableName::Interviews => &INTERVIEWS,
        TableName::Ledger => &LEDGER,
        TableName::Complaints => &COMPLAINTS,
        TableName::Deposits => &DEPOSITS,
        TableName::Clauses => &CLAUSES,
    }
}

/// Whether a column holds a personal identifier (身份证号, phone, bank account) that exports mask
/// unless asked not to. Person ids are 身份证号 in real exports; organisation ids are public.
pub fn is_personal(table: TableName, column: &str) -> bool {
    let spec = table.spec();
    let Some(c) = spec.column(column) else {
        return false;
    };
    match &c.ty {
        ColType::Phone => true,
        ColType::Id(Some(KeySpace::Person | KeySpace::ByKind(_))) => true,
        _ => matches!(column, "basic_account" | "bond_account" | "legal_rep_id" | "authorized_rep_id"),
    }
}

/// The key column of a table that other tables refer to.
pub fn key_column(t: TableName) -> Option<&'static str> {
    match t {
        TableName::Projects => Some("project_id"),
        TableName::Bidders => Some("bidder_id"),
        TableName::Experts => Some("expert_id"),
        TableName::Agents => Some("agent_id"),
        _ => None,
    }
}

/// The contract as Markdown tables, one per table: what `docs/data-format.md` shows between its
/// `<!-- schema -->` markers (a test keeps them equal).
pub fn markdown() -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for t in TableName::ALL {
        let spec = t.spec();
        let _ = writeln!(s, "### `{}` ({}){}\n", spec.name, spec.zh, if spec.required { " — required" } else { "" });
        let _ = writeln!(s, "| column | 中文表头 | type | required | checks |\n|---|---|---|---|---|");
        for c in spec.columns {
            let ty = match &c.ty {
                ColType::Id(Some(KeySpace::Org)) => "id (organisation; USCC checked)".to_owned(),
                ColType::Id(Some(KeySpace::ByKind(k))) => format!("id (key space by `{k}`)"),
                ColType::Id(_) => "id".to_owned(),
                ColType::Text => "text".to_owned(),
                ColType::Enum(v) => {
                    format!("enum: {}", v.iter().map(|e| format!("{} ({})", e.value, e.aliases.join("/"))).collect::<Vec<_>>().join(", "))
                }
                ColType::Money => "money (yuan, ≥ 0)".to_owned(),
                ColType::Number { min, max } => format!("number [{min}, {max}]"),
                ColType::Int { min, max } => format!("integer [{min}, {max}]"),
                ColType::Bool => "bool".to_owned(),
                ColType::Date => "date".to_owned(),
                ColType::DateTime => "date-time".to_owned(),
                ColType::Month => "month YYYY-MM".to_owned(),
                ColType::Phone => "phone".to_owned(),
                ColType::Email => "e-mail".to_owned(),
                ColType::Ip => "IP address".to_owned(),
                ColType::Mac => "MAC address".to_owned(),
                ColType::List => "`;`-list of ids".to_owned(),
                ColType::RuleCode => "rule code (e.g. COL-006)".to_owned(),
            };
            let checks = match c.refers {
                Some(r) if r != t => format!("must exist in `{r}` when it is given"),
                _ => String::new(),
            };
            let _ = writeln!(s, "| `{}` | {} | {ty} | {} | {checks} |", c.name, c.aliases.join(" / "), if c.required { "yes" } else { "" });
        }
        if !spec.unique.is_empty() {
            let _ = writeln!(s, "\nUnique: ({}); a later row with the same values is set aside.", spec.unique.join(", "));
        }
        let _ = writeln!(s);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_aliases_are_unambiguous_within_a_table() {
        for t in TableName::ALL {
            let spec = t.spec();
            let mut seen = HashSet::new();
            for c in spec.columns {
                assert!(seen.insert(c.name), "{t}: {} twice", c.name);
                for a in c.aliases {
                    assert!(seen.insert(a), "{t}: alias {a} twice");
                }
            }
            for u in spec.unique {
                assert!(spec.column(u).is_some(), "{t}: unique column {u} unknown");
            }
            assert_eq!(TableName::from_name(t.as_str()), Some(t));
        }
    }

    #[test]
    fn every_required_table_and_column_of_the_design_is_here() {
        assert!(TableName::Projects.spec().required && TableName::Bids.spec().required);
        let required: Vec<_> = TableName::ALL.iter().filter(|t| t.spec().required).collect();
        assert_eq!(required.len(), 2);
    }
}
