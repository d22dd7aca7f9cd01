//! The policy tables of a generated county: post-bid interviews, objections and complaints, bid
//! deposits, key-staff assignments and their attendance — each handled on time by an honest
//! county, with a few planted cases written to `truth.csv` as violations.
//!
//! Honest deadlines keep a wide margin (a deposit back two days after the contract; a complaint
//! decided in two weeks) so that no holiday calendar can make them late; planted ones miss by
//! weeks, so that every calendar makes them late. This module draws from its own random stream,
//! so the rest of the county is the same with or without it.

use std::collections::HashMap;
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
    /// The experts who sat (not recused), in draw order.
    pub experts: Vec<String>,
    /// The tendering agent.
    pub agent: String,
}

/// A planted case: (kind — `violation` or `policy_signal` —, project id, subject, detail starting
/// with the rule code).
type Truth<'a> = dyn FnMut(&str, &str, &str, &str) -> Result<(), GenError> + 'a;

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
            truth("violation", &p.id, "", "INT-001 no interview before the award notice")?;
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
            truth("violation", &p.id, "", &format!("{code} objection {id} answered late"))?;
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
                truth("violation", &p.id, "", &format!("CMP-001 complaint {id} decided late"))?;
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
                truth("violation", &p.id, b, &format!("{code} deposit refunded late"))?;
            }
        }
    }
    dw.flush().map_err(|source| GenError::Io { path: out.join("deposits.csv"), source })?;

    attendance(out, projects, rng, truth)?;
    evaluations(out, projects, rng, truth)?;
    ledger(out, projects, rng, truth)
}

/// A draw of the standard normal (the sum of twelve uniforms).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0
}

/// The committee's score sheets of a third of the works and procurement tenders (the bureau's
/// electronic evaluation covers some of its rooms), for the first five standing bidders: three subjective criteria (each expert near the bidder's merit, to the half point) and
/// one objective criterion (one right mark). Planted: an objective mark that differs (EXP-004), a
/// subjective mark far from the others' (EXP-003), three identical sheets (EXP-005).
fn evaluations(out: &Path, projects: &[Project], rng: &mut ChaCha8Rng, truth: &mut Truth<'_>) -> Result<(), GenError> {
    const CRITERIA: [(&str, f64, bool); 4] =
        [("技术方案", 20.0, false), ("实施组织", 10.0, false), ("项目团队", 10.0, false), ("类似业绩", 10.0, true)];
    let mut w = writer(out, "evaluations.csv", &["project_id", "expert_id", "bidder_id", "score", "max_score", "criterion", "objective"])?;
    for p in projects.iter().filter(|p| p.bonded && matches!(p.category, "engineering" | "procurement")) {
        let bidders: Vec<&String> = p.bidders.iter().take(5).collect();
        if p.experts.len() < 3 || bidders.len() < 2 || !rng.random_bool(0.3) {
            continue;
        }
        let merit: Vec<f64> = bidders.iter().map(|_| rng.random_range(-1.0..1.0)).collect();
        // sheet[e][b][c]
        let mut sheet: Vec<Vec<[f64; 4]>> = p
            .experts
            .iter()
            .map(|_| {
                merit
                    .iter()
                    .map(|q| {
                        let mut row = [0.0; 4];
                        for (c, (_, max, objective)) in CRITERIA.iter().enumerate() {
                            row[c] = if *objective {
                                (max * (0.4 + 0.3 * (q + 1.0) / 2.0)).round()
                            } else {
                                ((max * (0.72 + 0.1 * q + 0.03 * normal(rng))).clamp(0.0, *max) * 2.0).round() / 2.0
                            };
                        }
                        row
                    })
                    .collect()
            })
            .collect();
        let plant = rng.random_range(0.0..1.0);
        let e = rng.random_range(0..p.experts.len());
        let b = rng.random_range(0..bidders.len());
        if plant < 0.02 {
            let v = sheet[e][b][3];
            sheet[e][b][3] = if v + 3.0 <= 10.0 { v + 3.0 } else { v - 3.0 };
            truth("violation", &p.id, &p.experts[e], &format!("EXP-004 {} objective mark differs", p.experts[e]))?;
        } else if plant < 0.04 {
            let v = sheet[e][b][0];
            sheet[e][b][0] = if v + 9.0 <= 20.0 { v + 9.0 } else { v - 9.0 };
            truth("policy_signal", &p.id, &p.experts[e], &format!("EXP-003 {} scores {} apart", p.experts[e], bidders[b]))?;
        } else if plant < 0.06 {
            // the first expert's sheet copied by two more
            for k in 1..3 {
                let (first, rest) = sheet.split_at_mut(k);
                for (row, src) in rest[0].iter_mut().zip(&first[0]) {
                    row[..3].copy_from_slice(&src[..3]);
                }
            }
            truth("policy_signal", &p.id, &p.id, "EXP-005 three identical sheets")?;
        }
        for (ei, expert) in p.experts.iter().enumerate() {
            for (bi, bidder) in bidders.iter().enumerate() {
                for (c, (name, max, objective)) in CRITERIA.iter().enumerate() {
                    w.write_record([
                        p.id.as_str(),
                        expert,
                        bidder,
                        &format!("{}", sheet[ei][bi][c]),
                        &format!("{max}"),
                        name,
                        if *objective { "true" } else { "false" },
                    ])
                    .map_err(|source| GenError::Csv { path: out.join("evaluations.csv"), source })?;
                }
            }
        }
    }
    w.flush().map_err(|source| GenError::Io { path: out.join("evaluations.csv"), source })
}

/// The points ledger the bureau keeps, with the interview notices before each deduction, and the
/// agents' recorded events. Honest subjects stay below every level; planted: a deduction with no
/// notice (POL-002), a bidder reaching the suspension level (POL-003), two collusion records within
/// three years (BID-002), an expert at the year's suspension tier (EXP-007 and POL-003), an agent
/// at grade C (AGT-005).
fn ledger(out: &Path, projects: &[Project], rng: &mut ChaCha8Rng, truth: &mut Truth<'_>) -> Result<(), GenError> {
    let Some(first) = projects.iter().map(|p| p.published).min() else { return Ok(()) };
    let span = projects.iter().map(|p| p.published).max().map_or(30, |l| (l - first).num_days().max(30));
    let mut bidders: Vec<&String> = projects.iter().flat_map(|p| &p.bidders).collect();
    bidders.sort();
    bidders.dedup();
    let mut experts: Vec<&String> = projects.iter().flat_map(|p| &p.experts).collect();
    experts.sort();
    experts.dedup();
    let mut agents: Vec<&String> = projects.iter().map(|p| &p.agent).collect();
    agents.sort();
    agents.dedup();
    let mut lw = writer(out, "ledger.csv", &["subject_kind", "subject_id", "rule_code", "points", "occurred_at", "status"])?;
    let mut nw = csv::Writer::from_writer(std::io::BufWriter::new(
        std::fs::OpenOptions::new()
            .append(true)
            .open(out.join("interviews.csv"))
            .map_err(|source| GenError::Io { path: out.join("interviews.csv"), source })?,
    ));
    let day = |d: i64| NaiveDateTime::new(first.date() + Duration::days(d), NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default());
    let mut entry = |kind: &str, id: &str, code: &str, points: f64, at: i64, notice: bool| -> Result<(), GenError> {
        if notice {
            nw.write_record([kind, id, "", "prior_notice", &t(day(at - 5))])
                .map_err(|source| GenError::Csv { path: out.join("interviews.csv"), source })?;
        }
        lw.write_record([kind, id, code, &points.to_string(), &t(day(at)), "effective"])
            .map_err(|source| GenError::Csv { path: out.join("ledger.csv"), source })
    };
    let at = |rng: &mut ChaCha8Rng, room: i64| rng.random_range(10..(span - room).max(11));
    for b in &bidders {
        let roll = rng.random_range(0.0..1.0);
        if roll < 0.03 {
            // honest: one or two small deductions, far apart, each after a notice
            let t0 = at(rng, 420);
            entry("bidder", b, "PRC-004", 2.0, t0, true)?;
            if rng.random_bool(0.5) {
                entry("bidder", b, "BID-001", 2.0, t0 + 400, true)?;
            }
        } else if roll < 0.036 {
            entry("bidder", b, "BID-001", 3.0, at(rng, 0), false)?;
            truth("violation", "", b, "POL-002 deduction without a notice")?;
        } else if roll < 0.042 {
            let t0 = at(rng, 60);
            for k in 0..3 {
                entry("bidder", b, "BID-001", 5.0, t0 + 20 * k, true)?;
            }
            truth("policy_signal", "", b, "POL-003 bidder at the suspension level")?;
        } else if roll < 0.048 {
            let gap = (span / 2).min(500);
            let t0 = at(rng, gap + 10);
            entry("bidder", b, "COL-006", 2.0, t0, true)?;
            entry("bidder", b, "GRF-001", 2.0, t0 + gap, true)?;
            truth("policy_signal", "", b, "BID-002 collusion twice within three years")?;
        }
    }
    for e in &experts {
        let roll = rng.random_range(0.0..1.0);
        if roll < 0.15 {
            entry("expert", e, "EXP-002", 5.0, at(rng, 0), true)?;
        } else if roll < 0.2 {
            // two deductions in one calendar year: 15 + 12
            let t0 = at(rng, 40);
            let d0 = first.date() + Duration::days(t0);
            let t0 = if d0.ordinal() > 300 { t0 - 60 } else { t0 };
            entry("expert", e, "EXP-004", 15.0, t0, true)?;
            entry("expert", e, "EXP-001", 12.0, t0 + 30, true)?;
            truth("policy_signal", "", e, "EXP-007 expert at the year's suspension tier")?;
            truth("policy_signal", "", e, "POL-003 expert at the suspension level")?;
        }
    }
    lw.flush().map_err(|source| GenError::Io { path: out.join("ledger.csv"), source })?;
    nw.flush().map_err(|source| GenError::Io { path: out.join("interviews.csv"), source })?;
    // recorded agent events: a few minor ones; one agent with many in one year
    let mut aw = writer(out, "agent_events.csv", &["agent_id", "project_id", "rule_code", "occurred_at"])?;
    for (i, a) in agents.iter().enumerate() {
        let busy = i == 0 && span > 120;
        let n = if busy { 12 } else { rng.random_range(0..2) };
        // the busy agent's twelve events fall in one calendar year
        let t0 = at(rng, 100);
        let t0 = if (first.date() + Duration::days(t0)).ordinal() > 270 { t0 - 100 } else { t0 };
        for k in 0..n {
            let when = if busy { t0 + 7 * k } else { at(rng, 0) };
            aw.write_record([a.as_str(), "", "AGT-006", &t(day(when))])
                .map_err(|source| GenError::Csv { path: out.join("agent_events.csv"), source })?;
        }
        if busy {
            truth("policy_signal", "", a, "AGT-005 agent at grade C")?;
        }
    }
    aw.flush().map_err(|source| GenError::Io { path: out.join("agent_events.csv"), source })
}

/// Key staff on site: a quarter of the awarded works have their manager's assignment and daily
/// punches in the real-name system. Planted: a manager on two sites at once, a month mostly away, a
/// photo replayed.
fn attendance(out: &Path, projects: &[Project], rng: &mut ChaCha8Rng, truth: &mut Truth<'_>) -> Result<(), GenError> {
    let mut sites: Vec<Site<'_>> = Vec::new();
    // each manager's sites so far (start, end), and how many sites name each manager
    let mut on_site: HashMap<String, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
    for p in projects.iter().filter(|p| p.category == "engineering") {
        let (Some(_), Some(pm)) = (&p.winner, &p.manager) else { continue };
        if !rng.random_bool(0.25) {
            continue;
        }
        let start = p.signed.date() + Duration::days(7);
        let end = start + Duration::days(90);
        // a firm sends a manager who is free: a busy one stays on the other site
        let spans = on_site.entry(pm.clone()).or_default();
        if spans.iter().any(|(s, e)| *e >= start && end >= *s) {
            continue;
        }
        spans.push((start, end));
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
    let mut named: HashMap<String, usize> = HashMap::new();
    for s in &sites {
        *named.entry(s.person.clone()).or_default() += 1;
    }
    for i in 1..sites.len() {
        if !rng.random_bool(0.08) {
            continue;
        }
        let busy = (0..i).find(|j| sites[*j].start < sites[i].start && sites[*j].end >= sites[i].start);
        if let Some(j) = busy {
            let person = sites[j].person.clone();
            // one planted second site per manager
            if named.get(&person).copied().unwrap_or(0) > 1 {
                continue;
            }
            if let Some(n) = named.get_mut(&sites[i].person) {
                *n -= 1;
            }
            *named.entry(person.clone()).or_default() += 1;
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
            truth("violation", &s.project.id, "", "ATT-001 one project manager on two sites")?;
        }
        // planted: the first full month after the start mostly away (a third of the days)
        let away = !second && rng.random_bool(0.1);
        let first = s.start.with_day(1).map(|d| d + chrono::Months::new(1)).unwrap_or(s.start);
        let away_to = first + chrono::Months::new(1);
        if away {
            truth("violation", &s.project.id, "", &format!("ATT-002 {} mostly away", first.format("%Y-%m")))?;
        }
        let replay = !second && !away && rng.random_bool(0.1);
        let replay_day = s.start + Duration::days(rng.random_range(10..60));
        if replay {
            truth("violation", &s.project.id, "", "ATT-004 photo replayed")?;
        }
        let mut last_photo = String::new();
        let mut d = s.start;
        while d <= s.end {
            let skip = away && d >= first && d < away_to && d.day() % 3 != 0;
            if !skip {
                let hour = if second { 16 } else { 8 };
                let at = NaiveDateTime::new(
                    d,
                    NaiveTime::from_hms_opt(hour, rng.random_range(0..50), rng.random_range(0..60)).unwrap_or_default(),
                );
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
