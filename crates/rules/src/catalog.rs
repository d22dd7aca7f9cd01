//! The rule catalog and the policy, loaded from `rules/catalog.toml` and `rules/policy.toml`.
//! Both are data a bureau edits; the copies in the repository are built in, and `--rules DIR`
//! loads a bureau's own.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use bidwatch_model::{Calendar, RuleCode, Severity, SubjectKind};
use serde::Deserialize;

pub const BUILTIN_CATALOG: &str = include_str!("../../../rules/catalog.toml");
pub const BUILTIN_POLICY: &str = include_str!("../../../rules/policy.toml");
pub const BUILTIN_CALENDAR: &str = include_str!("../../../rules/calendar.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(default)]
    year: Vec<CalendarYear>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarYear {
    year: i32,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
}

/// Parses `calendar.toml` (public holidays and make-up working days by year).
pub fn parse_calendar(text: &str, file: &str) -> Result<Calendar, CatalogError> {
    let parsed: CalendarFile = toml::from_str(text).map_err(|e| CatalogError::Parse { file: file.into(), message: e.to_string() })?;
    let mut cal = Calendar::default();
    for y in parsed.year {
        cal.add_year(y.year, &y.holidays, &y.workdays).map_err(|e| CatalogError::Invalid { file: file.into(), message: e.to_string() })?;
    }
    Ok(cal)
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: rule {code} is run by bidwatch but has no record")]
    MissingRecord { file: String, code: RuleCode },
    #[error("{file}: record {code} names no rule bidwatch knows")]
    UnknownRecord { file: String, code: RuleCode },
    #[error("{file}: rule {code} is given twice")]
    DuplicateRecord { file: String, code: RuleCode },
    #[error("{file}: [rules.\"{code}\"] key `{key}` is not a threshold of {code} (known: {known})")]
    UnknownThreshold { file: String, code: String, key: String, known: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

/// One rule's record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleRecord {
    pub code: RuleCode,
    pub family: String,
    pub name_zh: String,
    pub name_en: String,
    pub severity: Severity,
    pub subject: SubjectKind,
    pub since: String,
    pub tables: Vec<String>,
    pub basis_instrument: String,
    pub basis_article: String,
    pub basis_quote: String,
    pub what_zh: String,
    pub what_en: String,
    pub why_zh: String,
    pub why_en: String,
    pub example_zh: String,
    pub example_en: String,
    pub exclusions_zh: String,
    pub exclusions_en: String,
}

impl RuleRecord {
    pub fn name(&self, zh: bool) -> &str {
        if zh {
            &self.name_zh
        } else {
            &self.name_en
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    rule: Vec<RuleRecord>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub risk_weight: BTreeMap<String, f64>,
    #[serde(default)]
    pub rules: BTreeMap<String, toml::Table>,
}

impl Policy {
    /// A threshold's value, or the rule's default when the policy does not set it.
    pub fn f64(&self, code: RuleCode, key: &str, default: f64) -> f64 {
        self.rules
            .get(&code.to_string())
            .and_then(|t| t.get(key))
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
            .unwrap_or(default)
    }

    pub fn strings(&self, code: RuleCode, key: &str, default: &[&str]) -> Vec<String> {
        self.rules
            .get(&code.to_string())
            .and_then(|t| t.get(key))
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect())
    }

    pub fn risk_weight(&self, code: RuleCode) -> f64 {
        self.risk_weight.get(&code.to_string()).copied().unwrap_or(0.3)
    }
}

/// The catalog and policy in force for a run.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub records: BTreeMap<RuleCode, RuleRecord>,
    pub policy: Policy,
    /// Public holidays and make-up working days (`calendar.toml`).
    pub calendar: Calendar,
    /// Where they came from (`built-in` or a folder).
    pub origin: String,
}

impl Catalog {
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Self::parse(BUILTIN_CATALOG, "rules/catalog.toml", BUILTIN_POLICY, "rules/policy.toml", "built-in")
    }

    /// Loads `catalog.toml` and `policy.toml` from a bureau's folder.
    pub fn from_dir(dir: &Path) -> Result<Catalog, CatalogError> {
        let read = |name: &str| {
            let p = dir.join(name);
            fs::read_to_string(&p).map_err(|e| CatalogError::Parse { file: p.display().to_string(), message: e.to_string() })
        };
        let cat = read("catalog.toml")?;
        let pol = read("policy.toml")?;
        let cf = dir.join("catalog.toml").display().to_string();
        let pf = dir.join("policy.toml").display().to_string();
        let mut catalog = Self::parse(&cat, &cf, &pol, &pf, &dir.display().to_string())?;
        // A bureau's folder may leave the calendar out and use the built-in one.
        if dir.join("calendar.toml").exists() {
            catalog.calendar = parse_calendar(&read("calendar.toml")?, &dir.join("calendar.toml").display().to_string())?;
        }
        Ok(catalog)
    }

    pub fn parse(catalog: &str, catalog_file: &str, policy: &str, policy_file: &str, origin: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile =
            toml::from_str(catalog).map_err(|e| CatalogError::Parse { file: catalog_file.into(), message: e.to_string() })?;
        let policy: Policy =
            toml::from_str(policy).map_err(|e| CatalogError::Parse { file: policy_file.into(), message: e.to_string() })?;
        let mut records = BTreeMap::new();
        for r in file.rule {
            if r.family != r.code.family() {
                return Err(CatalogError::Invalid {
                    file: catalog_file.into(),
                    message: format!("rule {} has family {} (expected {})", r.code, r.family, r.code.family()),
                });
            }
            let code = r.code;
            if records.insert(code, r).is_some() {
                return Err(CatalogError::DuplicateRecord { file: catalog_file.into(), code });
            }
        }
        let known = crate::registry::registry();
        for rule in &known {
            if !records.contains_key(&rule.code()) {
                return Err(CatalogError::MissingRecord { file: catalog_file.into(), code: rule.code() });
            }
        }
        for code in records.keys() {
            if !known.iter().any(|r| r.code() == *code) {
                return Err(CatalogError::UnknownRecord { file: catalog_file.into(), code: *code });
            }
        }
        for (code, table) in &policy.rules {
            let rule = known.iter().find(|r| r.code().to_string() == *code).ok_or_else(|| CatalogError::Invalid {
                file: policy_file.into(),
                message: format!("[rules.\"{code}\"] names no rule bidwatch knows"),
            })?;
            for key in table.keys() {
                if !rule.thresholds().iter().any(|t| t.key == key) {
                    return Err(CatalogError::UnknownThreshold {
                        file: policy_file.into(),
                        code: code.clone(),
                        key: key.clone(),
                        known: rule.thresholds().iter().map(|t| t.key).collect::<Vec<_>>().join(", "),
                    });
                }
            }
        }
        for (code, w) in &policy.risk_weight {
            if !known.iter().any(|r| r.code().to_string() == *code) || !(0.0..=1.0).contains(w) {
                return Err(CatalogError::Invalid {
                    file: policy_file.into(),
                    message: format!("[risk_weight] {code} = {w}: needs a known rule and a weight in [0, 1]"),
                });
            }
        }
        crate::tender_risk::RiskConfig::from_policy(&policy)
            .map_err(|message| CatalogError::Invalid { file: policy_file.into(), message })?;
        let calendar = parse_calendar(BUILTIN_CALENDAR, "rules/calendar.toml")?;
        Ok(Catalog { records, policy, calendar, origin: origin.into() })
    }

    pub fn record(&self, code: RuleCode) -> Option<&RuleRecord> {
        self.records.get(&code)
    }
}
