//! ATT-005 异地冲突打卡 — one person punching at two places farther apart than anyone could travel in
//! the time between.
//!
//! By analogy with the real-name attendance rules (a punch is presence on site): for each person's
//! consecutive punches with coordinates, distance d (great circle) and time t between them; d at
//! least `min_km` (5: GPS noise and a large site stay below it) and d / t above `max_kmh` (120 km/h)
//! is a signal: at most one of the two punches can be real. One finding per such pair.

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::text::mask;
use bidwatch_model::{Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::attendance::km;

#[derive(Debug)]
pub struct ImpossibleTravel;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "max_kmh",
        default: "120",
        zh: "两次打卡之间可能的最高速度（公里/小时）",
        en: "fastest possible travel between two punches (km/h)",
    },
    Threshold { key: "min_km", default: "5", zh: "计入的最小距离（公里）", en: "shortest distance considered (km)" },
];

impl Rule for ImpossibleTravel {
    fn code(&self) -> RuleCode {
        code("ATT-005")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Attendance, &["lat", "lon"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let max_kmh = ctx.policy.f64(c, "max_kmh", 120.0);
        let min_km = ctx.policy.f64(c, "min_km", 5.0);
        let pid = |k: usize| ctx.views.projects.id[k].as_str();
        let all: Vec<_> = ctx.views.punches.iter().filter(|p| p.lat.is_some() && p.lon.is_some()).collect();
        let mut out = RuleOutput::default();
        for w in all.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            if a.person != b.person {
                continue;
            }
            let (Some(la), Some(oa), Some(lb), Some(ob)) = (a.lat, a.lon, b.lat, b.lon) else { continue };
            let d = km(la, oa, lb, ob);
            let hours = (b.at - a.at) as f64 / 3_600_000.0;
            if d < min_km || (hours > 0.0 && d / hours <= max_kmh) {
                continue;
            }
            let speed = if hours > 0.0 { format!("{:.0}", d / hours) } else { "∞".to_owned() };
            let who = mask(a.person);
            let (ta, tb) = (fmt_millis(a.at), fmt_millis(b.at));
            let message = Text::new(
                format!(
                    "{who} 于 {ta} 在项目 {} 打卡，{tb} 又在 {:.1} 公里外的项目 {} 打卡，需时速 {speed} 公里",
                    pid(a.project),
                    d,
                    pid(b.project)
                ),
                format!(
                    "{who} punched at project {} on {ta} and {:.1} km away at project {} on {tb}: {speed} km/h",
                    pid(a.project),
                    d,
                    pid(b.project)
                ),
            );
            out.push(
                Finding::new(c, Severity::Signal, Subject::new(SubjectKind::Person, a.person), message)
                    .in_project(pid(b.project))
                    .with_projects(vec![pid(a.project).to_owned(), pid(b.project).to_owned()])
                    .with_threshold("list", "fraud")
                    .with_threshold("km", (d * 10.0).round() / 10.0)
                    .with_threshold("max_kmh", max_kmh)
                    .with_evidence(a.evidence(pid(a.project)).with("lat", la).with("lon", oa))
                    .with_evidence(b.evidence(pid(b.project)).with("lat", lb).with("lon", ob)),
            );
        }
        out
    }
}
