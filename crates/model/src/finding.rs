//! Findings: what fired, on whom, why, and under which thresholds.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::RuleCode;

/// How strong a finding is in law.
///
/// - `Presumed`: the statute itself says the facts *are* (视为/属于) collusion or invalidity.
/// - `Signal`: risk evidence that a person must confirm.
/// - `Violation`: a hard deadline or threshold in a statute or policy was crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Presumed,
    Signal,
    Violation,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Presumed, Severity::Signal, Severity::Violation];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Presumed => "presumed",
            Severity::Signal => "signal",
            Severity::Violation => "violation",
        }
    }

    /// The label a supervisor reads.
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Severity::Presumed, true) => "法定推定",
            (Severity::Signal, true) => "风险线索",
            (Severity::Violation, true) => "违规",
            (Severity::Presumed, false) => "presumed",
            (Severity::Signal, false) => "signal",
            (Severity::Violation, false) => "violation",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    Bidder,
    Expert,
    Agent,
    Person,
    Project,
    Ring,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Bidder => "bidder",
            SubjectKind::Expert => "expert",
            SubjectKind::Agent => "agent",
            SubjectKind::Person => "person",
            SubjectKind::Project => "project",
            SubjectKind::Ring => "ring",
        }
    }
}

/// The subject of a finding, by the id used in the source data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: String,
}

impl Subject {
    pub fn new(kind: SubjectKind, id: impl Into<String>) -> Self {
        Self { kind, id: id.into() }
    }
    pub fn bidder(id: impl Into<String>) -> Self {
        Self::new(SubjectKind::Bidder, id)
    }
    pub fn project(id: impl Into<String>) -> Self {
        Self::new(SubjectKind::Project, id)
    }
}

/// A sentence in both of the report languages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { zh: zh.into(), en: en.into() }
    }
    pub fn get(&self, zh: bool) -> &str {
        if zh {
            &self.zh
        } else {
            &self.en
        }
    }
}

/// A key of [`Values`]: a column or threshold name. Nearly every key is a literal of the code,
/// held without a copy; a key made at run time is owned.
pub type Key = Cow<'static, str>;

/// The values of one evidence row by column (or a finding's thresholds by name), in key order: a
/// map written as a JSON object.
///
/// A sorted vector, not a `BTreeMap`: a B-tree node is allocated for eleven entries whatever the
/// row holds (≈ 650 bytes for a row of three values), and a night at 10M bids keeps millions of
/// evidence rows until the reports are written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values(Vec<(Key, Value)>);

impl Values {
    pub fn new() -> Self {
        Self(Vec::new())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// Sets a value; a key already there takes the new value.
    pub fn insert(&mut self, key: impl Into<Key>, value: Value) {
        let key = key.into();
        match self.find(&key) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Value)> {
        self.0.iter_mut().map(|(k, v)| (&**k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }
}

impl<K: Into<Key>> Extend<(K, Value)> for Values {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Values {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<K: Into<Key>> FromIterator<(K, Value)> for Values {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut v = Values::new();
        v.extend(iter);
        v
    }
}

impl Serialize for Values {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<String, Value>::deserialize(deserializer)?.into_iter().map(|(k, v)| (crate::packed::shared_key(k), v)).collect())
    }
}

/// A table name read back: one shared copy of each (see [`crate::packed`]).
fn shared_table<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
    Ok(crate::packed::shared_key(String::deserialize(deserializer)?))
}

/// One source row that a finding rests on: the table, the row number a spreadsheet shows
/// (the header is row 1), and the values of that row the rule looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// A table of the input contract: a name the code holds, not a copy per row.
    #[serde(deserialize_with = "shared_table")]
    pub table: Key,
    pub row: u64,
    pub values: Values,
}

impl Evidence {
    pub fn new(table: impl Into<Key>, row: u64) -> Self {
        Self { table: table.into(), row, values: Values::new() }
    }

    /// Adds one value; `None` is recorded as JSON `null` so that a missing value shows.
    #[must_use]
    pub fn with(mut self, key: impl Into<Key>, value: impl Into<Value>) -> Self {
        self.values.insert(key, value.into());
        self
    }
}

/// One rule firing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: RuleCode,
    pub severity: Severity,
    pub subject: Subject,
    pub project_id: Option<String>,
    /// The bidders of a pair or ring finding, sorted; empty otherwise.
    pub members: Vec<String>,
    /// Strength of the finding in [0, 1]; 1 for a crossed hard threshold.
    pub score: f64,
    /// Points a policy attaches, where one does.
    pub points: Option<f64>,
    /// What fired, in words, in both languages.
    pub message: Text,
    pub evidence: Vec<Evidence>,
    /// The thresholds and statistics actually used.
    pub thresholds: Values,
    /// The projects a finding across projects (a ring) touched, sorted; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
    /// For a ring: between every two members, the shortest chain of evidence that joins them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<EvidencePath>,
}

/// The chain of evidence that joins two members of a ring: `from` —step→ … → `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidencePath {
    pub from: String,
    pub to: String,
    pub steps: Vec<PathStep>,
}

/// One link of a chain: two bidders and what they share (the strongest hit of that pair).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathStep {
    pub from: String,
    pub to: String,
    /// The rule that found the link.
    pub code: RuleCode,
    /// Where the shared value comes from, as `table.column`.
    pub field: String,
    pub value: String,
    /// The project where the two bids shared it, when the link is inside one project.
    pub project_id: Option<String>,
    /// The combined weight of everything linking the two.
    pub weight: f64,
}

impl Finding {
    pub fn new(code: RuleCode, severity: Severity, subject: Subject, message: Text) -> Self {
        Self {
            code,
            severity,
            subject,
            project_id: None,
            members: Vec::new(),
            score: 1.0,
            points: None,
            message,
            evidence: Vec::new(),
            thresholds: Values::new(),
            projects: Vec::new(),
            paths: Vec::new(),
        }
    }

    #[must_use]
    pub fn in_project(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    #[must_use]
    pub fn with_score(mut self, score: f64) -> Self {
        self.score = score.clamp(0.0, 1.0);
        self
    }

    /// The points the policy deducts for this finding (a proposed deduction, to be recorded in the
    /// ledger by the bureau after its interview notice). Zero means evidence only, and is left out.
    #[must_use]
    pub fn with_points(mut self, points: f64) -> Self {
        self.points = (points > 0.0).then_some(points);
        self
    }

    #[must_use]
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    #[must_use]
    pub fn with_threshold(mut self, key: impl Into<Key>, value: impl Into<Value>) -> Self {
        self.thresholds.insert(key, value.into());
        self
    }

    #[must_use]
    pub fn with_members(mut self, mut members: Vec<String>) -> Self {
        members.sort();
        members.dedup();
        self.members = members;
        self
    }

    #[must_use]
    pub fn with_projects(mut self, mut projects: Vec<String>) -> Self {
        projects.sort();
        projects.dedup();
        self.projects = projects;
        self
    }

    /// The order every output uses: code, subject, project, then the evidence rows (table and
    /// row, one after another). Compared in place, without building a key: a sort of a night's
    /// findings compares each some twenty times.
    pub fn cmp_order(&self, other: &Finding) -> std::cmp::Ordering {
        (self.code, &self.subject, self.project_id.as_deref())
            .cmp(&(other.code, &other.subject, other.project_id.as_deref()))
            .then_with(|| self.evidence_rows().cmp(other.evidence_rows()))
    }

    fn evidence_rows(&self) -> impl Iterator<Item = (&str, u64)> {
        self.evidence.iter().map(|e| (e.table.as_ref(), e.row))
    }

    /// One JSON line as in `findings.jsonl` (without its line end; see [`Finding::write_json_line`]).
    pub fn to_json_line(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// [`Finding::to_json_line`] and its line end written straight into `w`: no line made apart
    /// first. Only writing can fail.
    pub fn write_json_line(&self, mut w: impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer(&mut w, self)?;
        w.write_all(b"\n")
    }
}

/// Sorts findings into the deterministic order every output uses. A stable merge sort in parallel
/// (rayon): the same order as a sort on one thread, on any number of threads.
///
/// The findings' numbers are sorted, not the findings: a finding is some 250 bytes, and a merge
/// sort moves each of them once a level (20 levels for a night's 850,000 findings at 10M bids)
/// through a buffer as large as the list. Then each finding is moved once, to its place.
pub fn sort_findings(findings: &mut [Finding]) {
    use rayon::slice::ParallelSliceMut as _;
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.par_sort_by(|a, b| findings[*a].cmp_order(&findings[*b]));
    place_in_order(findings, order);
}

/// Rearranges `items` so that place `k` holds what was at `order[k]` (`order` a permutation of
/// the places), one cycle of the permutation at a time: a swap per item out of place.
fn place_in_order<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        // The item that was at `start` is carried along the cycle, one place at a time, to the
        // place that wants it; each place passed takes the item it wants. A place done is marked
        // as its own.
        let mut at = start;
        loop {
            let want = order[at];
            order[at] = at;
            if want == start {
                break;
            }
            items.swap(at, want);
            at = want;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_values_read_and_write_like_a_sorted_map() {
        let keys = ["price", "bidder_id", "status", "price", "", "项目"];
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut values = Values::new();
        for (i, k) in keys.iter().enumerate() {
            map.insert((*k).to_owned(), Value::from(i));
            values.insert(*k, Value::from(i));
        }
        assert_eq!(values.len(), map.len(), "a repeated key keeps one value, the last");
        assert_eq!(values.get("price"), Some(&Value::from(3)));
        assert_eq!(values.get("absent"), None);
        assert!(values.keys().eq(map.keys()));
        let json = serde_json::to_string(&values).unwrap_or_default();
        assert_eq!(json, serde_json::to_string(&map).unwrap_or_default());
        let back: Values = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, values);
        let mut more = values.clone();
        more.extend([("status".to_owned(), Value::from("withdrawn")), ("a".to_owned(), Value::Null)]);
        assert_eq!(more.get("status"), Some(&Value::from("withdrawn")));
        assert_eq!(more.keys().next(), Some(""));
    }

    use proptest::prelude::*;

    proptest! {
        /// The findings come out as a stable sort on one thread puts them: by code, subject,
        /// project and evidence rows, findings equal in all of those in the order given.
        #[test]
        fn findings_sort_as_a_stable_sort_does(keys in proptest::collection::vec(
            (0usize..3, 0usize..3, proptest::option::of(0usize..2), proptest::collection::vec(0u64..3, 0..3)), 0..200)) {
            let list: Vec<Finding> = keys
                .iter()
                .enumerate()
                .map(|(i, (c, id, project, rows))| {
                    let code = RuleCode::new(["COL-002", "COL-004", "PRC-001"][*c]).expect("valid code");
                    // the message tells the findings apart, and is not part of the order
                    let mut f = Finding::new(code, Severity::Signal, Subject::bidder(["A", "B", "C"][*id]), Text::new(i.to_string(), ""));
                    f.project_id = project.map(|p| format!("P{p}"));
                    f.evidence = rows.iter().map(|r| Evidence::new("bids", *r)).collect();
                    f
                })
                .collect();
            let mut want = list.clone();
            want.sort_by(Finding::cmp_order);
            let mut got = list;
            sort_findings(&mut got);
            prop_assert_eq!(got, want);
        }

        /// Every place gets the item the order names, for any permutation.
        #[test]
        fn items_are_placed_as_the_order_says(order in (0usize..300).prop_flat_map(|n| Just((0..n).collect::<Vec<usize>>()).prop_shuffle())) {
            let mut items: Vec<usize> = (0..order.len()).map(|i| i * 10).collect();
            place_in_order(&mut items, order.clone());
            prop_assert_eq!(items, order.iter().map(|i| i * 10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn findings_sort_by_code_subject_project_then_evidence_rows() {
        let code = |c: &str| RuleCode::new(c).expect("valid code");
        let f = |c: &str, id: &str, project: Option<&str>, rows: &[(&'static str, u64)]| {
            let mut f = Finding::new(code(c), Severity::Signal, Subject::bidder(id), Text::new("", ""));
            f.project_id = project.map(str::to_owned);
            f.evidence = rows.iter().map(|(t, r)| Evidence::new(*t, *r)).collect();
            f
        };
        let mut list = vec![
            f("COL-004", "B", None, &[]),
            f("COL-002", "B", Some("P2"), &[("bids", 3)]),
            f("COL-002", "B", Some("P2"), &[("bids", 3), ("bids", 1)]),
            f("COL-002", "B", Some("P2"), &[("bids", 2), ("bids", 9)]),
            f("COL-002", "B", None, &[("bids", 9)]),
            f("COL-002", "A", Some("P9"), &[]),
            f("COL-002", "B", Some("P2"), &[("bidders", 7)]),
        ];
        sort_findings(&mut list);
        type Order<'a> = (String, &'a str, Option<&'a str>, Vec<(&'a str, u64)>);
        let order: Vec<Order<'_>> = list
            .iter()
            .map(|f| {
                (
                    f.code.to_string(),
                    f.subject.id.as_str(),
                    f.project_id.as_deref(),
                    f.evidence.iter().map(|e| (e.table.as_ref(), e.row)).collect(),
                )
            })
            .collect();
        assert_eq!(
            order,
            vec![
                ("COL-002".to_owned(), "A", Some("P9"), vec![]),
                ("COL-002".to_owned(), "B", None, vec![("bids", 9)]),
                ("COL-002".to_owned(), "B", Some("P2"), vec![("bidders", 7)]),
                ("COL-002".to_owned(), "B", Some("P2"), vec![("bids", 2), ("bids", 9)]),
                ("COL-002".to_owned(), "B", Some("P2"), vec![("bids", 3)]),
                ("COL-002".to_owned(), "B", Some("P2"), vec![("bids", 3), ("bids", 1)]),
                ("COL-004".to_owned(), "B", None, vec![]),
            ]
        );
    }

    #[test]
    fn json_line_has_the_contract_keys() {
        let f = Finding::new(
            RuleCode::new("PRC-004").expect("valid code"),
            Severity::Violation,
            Subject::bidder("B1"),
            Text::new("高于最高投标限价", "above the ceiling"),
        )
        .in_project("P1")
        .with_evidence(Evidence::new("bids", 2).with("price", 12.5))
        .with_threshold("ceiling_price", 10.0);
        let v: Value = serde_json::from_str(&f.to_json_line()).expect("json");
        for key in ["code", "severity", "subject", "project_id", "members", "score", "points", "evidence", "thresholds"] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["code"], "PRC-004");
        assert_eq!(v["severity"], "violation");
        assert_eq!(v["subject"]["kind"], "bidder");
        assert_eq!(v["points"], Value::Null);
        let back: Finding = serde_json::from_str(&f.to_json_line()).expect("round trip");
        assert_eq!(back, f);
        // the file's line (written into a buffer) is the same line, ended
        let mut written = Vec::new();
        f.write_json_line(&mut written).expect("written");
        assert_eq!(written, format!("{}\n", f.to_json_line()).into_bytes());
    }
}
