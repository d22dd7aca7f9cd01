//! The policy tables of a generated county: post-bid interviews, objections and complaints, bid
//! deposits, key-staff assignments and their attendance — each handled on time by an honest
//! county, with a few planted cases written to `truth.csv` as violations.
//!
//! Honest deadlines keep a wide margin (a deposit back two days after the contract; a complaint
//! decided in two weeks) so that no holiday calendar can make them late; planted ones miss by
//! weeks, so that every calendar makes them late. This module draws from its own random stream,
//! so the rest of the county is the same with or without it.

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::county::{t, writer, GenError};
use crate::names;

/// What the policy tables need of one project.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: String,
    pub category: &'static str,
    pub bonded: bool,
    pub waived: bool,
    pub estimate: f64,
    pub published: NaiveDateTime,
    pub deadline: NaiveDateTime,
    pub notice: NaiveDateTime,
    pub signed: NaiveDateTime,
    /// Valid bidders' ids, the winner first when there is one.
    pub bidders: Vec<String>,
    pub winner: Option<(String, f64)>,
    /// The winner's named project manager (engineering).
    pub manager: Option<String>,
}

/// A planted violation: (project id, detail starting with the rule code).
type Truth<'a> = dyn FnMut(&str, &str, &str) -> Result<(), GenError> + 'a;

/// An on-site record: a manager at a site from `start` for `days`.
struct Site<'a> {
    project: &'a Project,
    person: String,
    start: NaiveDate,
    end: NaiveDate,
    lat: f64,
    lon: f64,
    device: String,
}

/// Writes interviews, complaints, deposits, assignments and attendance for `projects`.
pub(crate) fn write(out: &Path, projects: &[Project], rng: &mut ChaCha8Rng, truth: &mut Truth<'_>) -> Result<(), GenError> {
    let csv = |name: &str| {
        let path = out.join(name);
        move |source| GenError::Csv { path: path.clone(), source }
    };
    // Post-bid interviews of large works (the bureau's 30,000,000-yuan policy).
    let mut iw = writer(out, "interviews.csv", &["subject_kind", "subject_id", "project_id", "kind", "held_at"])?;
    for p in projects.iter().filter(|p| p.category == "engineering") {
        let Some((winner, price)) = &p.winner else { continue };
        if *price < 30_000_000.0 {
            continue;
        }
        if rng.random_bool(0.2) {
            truth(&p.id, "", "INT-001 no interview before the award notice")?;
        } else {
            iw.write_record(["bidder", winner, &p.id, "post_bid", &t(p.notice - Duration::days(1))]).map_err(csv("interviews.csv"))?;
        }
    }
    iw.flush().map_err(|source| GenError::Io { path: out.join("interviews.csv"), source })?;

    // Objections before the opening, complaints after the award.
    let mut cw = writer(out, "complaints.csv", &["complaint_id", "project_id", "kind", "received_at", "accepted_at", "decided_at"])?;
    let mut serial = 0;
    for p in projects.iter().filter(|p| p.bonded && matches!(p.category, "engineering" | "procurement")) {
        if !rng.random_bool(0.08) {
            continue;
        }
        serial += 1;
        let id = format!("YY{serial:05}");
        let received = p.published + Duration::days(2);
        let late = rng.random_bool(0.15);
        // engineering: answered within 3 days (AGT-004); procurement: 7 working days (CMP-002)
        let answer = match (p.category, late) {
            ("engineering", false) => Duration::days(2),
            ("engineering", true) => Duration::days(6),
            (_, false) => Duration::days(2),
            (_, true) => Duration::days(30),
        };
        cw.write_record([id.as_str(), &p.id, "objection", &t(received), "", &t(received + answer)]).map_err(csv("complaints.csv"))?;
        if late {
            let code = if p.category == "engineering" { "AGT-004" } else { "CMP-002" };
            truth(&p.id, "", &format!("{code} objection {id} answered late"))?;
        }
        if p.category == "engineering" && p.winner.is_some() && rng.random_bool(0.5) {
            serial += 1;
            let id = format!("TS{serial:05}");
            let received = p.notice + Duration::days(3);
            let accepted = received + Duration::days(1);
            let late = rng.random_bool(0.2);
            let decided = accepted + Duration::days(if late { 75 } else { 14 });
            cw.write_record([id.as_str(), &p.id, "complaint", &t(received), &t(accepted), &t(decided)]).map_err(csv("complaints.csv"))?;
            if late {
                truth(&p.id, "", &format!("CMP-001 complaint {id} decided late"))?;
            }
        }
    }
    cw.flush().map_err(|source| GenError::Io { path: out.join("complaints.csv"), source })?;

    // Bid deposits where bonds are taken: 1.5 % of the estimate, back on time but for a few.
    let mut dw = writer(out, "deposits.csv", &["project_id", "bidder_id", "kind", "amount", "paid_at", "refunded_at"])?;
    for p in projects.iter().filter(|p| p.bonded && !p.waived && matches!(p.category, "engineering" | "procurement")) {
        let amount = (p.estimate * 0.015).round();
        let late = if p.bidders.len() > 1 && rng.random_bool(0.03) { Some(rng.random_range(1..p.bidders.len())) } else { None };
        for (i, b) in p.bidders.iter().enumerate() {
            let won = i == 0 && p.winner.is_some();
            // engineering: 5 days after the contract; procurement: 5 working days after the notice
            // (losers) or the contract (the winner)
            let base = if p.category == "engineering" || won { p.signed } else { p.notice };
            let back = if late == Some(i) { base + Duration::days(25) } else { base + Duration::days(1) };
            dw.write_record([p.id.as_str(), b, "bid", &format!("{amount:.2}"), &t(p.deadline - Duration::days(2)), &t(back)])
                .map_err(csv("deposits.csv"))?;
            if late == Some(i) {
                let code = if p.category == "engineering" { "DEP-001" } else { "DEP-002" };
                truth(&p.id, b, &format!("{code} deposit refunded late"))?;
            }
        }
    }
    dw.flush().map_err(|source| GenError::Io { path: out.join("deposits.csv"), source })?;

    attendance(out, projects, rng, truth)
}

/// Key staff on site: a quarter of the awarded works have their manager's assignment and daily
/// punches in the real-name system. Planted: a manager on two sites at once, a month mostly away, a
/// photo replayed.
fn attendance(out: &Path, projects: &[Project], rng: &mut ChaCha8Rng, truth: &mut Truth<'_>) -> Result<(), GenError> {
    let mut sites: Vec<Site<'_>> = Vec::new();
    for p in projects.iter().filter(|p| p.category == "engineering") {
        let (Some(_), Some(pm)) = (&p.winner, &p.manager) else { continue };
        if !rng.random_bool(0.25) {
            continue;
        }
        let start = p.signed.date() + Duration::days(7);
        let end = start + Duration::days(90);
        // a firm sends a manager who is free: a busy one stays on the other site
        if sites.iter().any(|s| s.person == *pm && s.end >= start && end >= s.start) {
            continue;
        }
        sites.push(Site {
            project: p,
            person: pm.clone(),
            start,
            end,
            lat: 30.0 + rng.random_range(0.0..0.5),
            lon: 120.0 + rng.random_range(0.0..0.5),
            device: format!("KQ{}", names::hex_id(rng, 8)),
        });
    }
    // Planted: the manager of an earlier site also named on a later one that overlaps it.
    for i in 1..sites.len() {
        if !rng.random_bool(0.08) {
            continue;
        }
        let busy = (0..i).find(|j| sites[*j].start < sites[i].start && sites[*j].end >= sites[i].start);
        if let Some(j) = busy {
            let person = sites[j].person.clone();
            // one planted second site per manager
            if sites.iter().filter(|s| s.person == person).count() > 1 {
                continue;
            }
            sites[i].person = person;
        }
    }
    sites.sort_by(|a, b| (a.start, &a.project.id).cmp(&(b.start, &b.project.id)));
    let mut aw = writer(out, "assignments.csv", &["project_id", "person_id", "role", "start_date", "end_date"])?;
    let mut pw = writer(out, "attendance.csv", &["project_id", "person_id", "punched_at", "lat", "lon", "photo_hash", "device_id"])?;
    let csv = |name: &str| {
        let path = out.join(name);
        move |source| GenError::Csv { path: path.clone(), source }
    };
    for (i, s) in sites.iter().enumerate() {
        aw.write_record([s.project.id.as_str(), &s.person, "project_manager", &s.start.to_string(), &s.end.to_string()])
            .map_err(csv("assignments.csv"))?;
        // a later site's manager who is still on an earlier one: punches there in the afternoon
        let second = sites[..i].iter().any(|o| o.person == s.person && o.end >= s.start);
        if second {
            truth(&s.project.id, "", "ATT-001 one project manager on two sites")?;
        }
        // planted: the first full month after the start mostly away (a third of the days)
        let away = !second && rng.random_bool(0.1);
        let first = s.start.with_day(1).map(|d| d + chrono::Months::new(1)).unwrap_or(s.start);
        let away_to = first + chrono::Months::new(1);
        if away {
            truth(&s.project.id, "", &format!("ATT-002 {} mostly away", first.format("%Y-%m")))?;
        }
        let replay = !second && !away && rng.random_bool(0.1);
        let replay_day = s.start + Duration::days(rng.random_range(10..60));
        if replay {
            truth(&s.project.id, "", "ATT-004 photo replayed")?;
        }
        let mut last_photo = String::new();
        let mut d = s.start;
        while d <= s.end {
            let skip = away && d >= first && d < away_to && d.day() % 3 != 0;
            if !skip {
                let hour = if second { 16 } else { 8 };
                let at = NaiveDateTime::new(d, NaiveTime::from_hms_opt(hour, rng.random_range(0..50), rng.random_range(0..60)).unwrap_or_default());
                let photo = if replay && d == replay_day { last_photo.clone() } else { names::hex_id(rng, 16) };
                let lat = s.lat + rng.random_range(-0.0005..0.0005);
                let lon = s.lon + rng.random_range(-0.0005..0.0005);
                pw.write_record([s.project.id.as_str(), &s.person, &t(at), &format!("{lat:.5}"), &format!("{lon:.5}"), &photo, &s.device])
                    .map_err(csv("attendance.csv"))?;
                last_photo = photo;
            }
            d += Duration::days(1);
        }
    }
    aw.flush().map_err(|source| GenError::Io { path: out.join("assignments.csv"), source })?;
    pw.flush().map_err(|source| GenError::Io { path: out.join("attendance.csv"), source })?;
    Ok(())
}
