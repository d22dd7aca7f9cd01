//! The county generator.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::names;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenConfig {
    pub seed: u64,
    pub projects: usize,
    /// Rings of 3–6 firms.
    pub rings: usize,
    /// One more ring of this many firms (the county's proven case had 28).
    pub big_ring: Option<usize>,
    /// Share of works and procurement projects whose bid bond is waived.
    pub bond_waived_share: f64,
    pub start: NaiveDate,
}

impl Default for GenConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            projects: 459,
            rings: 4,
            big_ring: None,
            bond_waived_share: 0.6,
            start: NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("{0}")]
    Config(String),
}

/// Counts of what was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenStats {
    pub projects: usize,
    pub bids: usize,
    pub bidders: usize,
    pub rings: usize,
    pub truth_rows: usize,
}

/// Category mix of a real county: per 459 projects, 72 works, 160 procurement, 64 property,
/// 46 land, 93 e-mall, 24 other.
const CATEGORIES: [(&str, u32); 6] =
    [("engineering", 72), ("procurement", 160), ("property", 64), ("land", 46), ("mall", 93), ("other", 24)];

/// Carrier NAT address that many honest firms upload from (a trap).
const NAT_IP: &str = "112.17.40.1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Machine,
    Lock,
    Account,
    Staff,
    Author,
    Ip,
}

impl Link {
    const ALL: [Link; 6] = [Link::Machine, Link::Lock, Link::Account, Link::Staff, Link::Author, Link::Ip];
    fn name(self) -> &'static str {
        match self {
            Link::Machine => "machine_code",
            Link::Lock => "lock_serial",
            Link::Account => "bond_account",
            Link::Staff => "personnel",
            Link::Author => "doc_author",
            Link::Ip => "upload_ip",
        }
    }
}

#[derive(Debug)]
struct Firm {
    id: String,
    name: String,
    legal_rep: String,
    phone: String,
    email: String,
    address: String,
    account: String,
    ip: String,
    mac: String,
    machine: String,
    lock: String,
    author: String,
    staff: Vec<String>,
    uses_nat: bool,
    ring: Option<usize>,
    /// Index of a sibling firm with the same legal representative (never bids with it).
    sibling: Option<usize>,
}

#[derive(Debug)]
struct Ring {
    id: String,
    members: Vec<usize>,
    links: Vec<Link>,
    covered: Vec<bool>,
    next_winner: usize,
    machine: String,
    lock: String,
    account: String,
    person: String,
    author: String,
    ip: String,
    mac: String,
}

struct Writers {
    dir: PathBuf,
    projects: csv::Writer<BufWriter<File>>,
    bids: csv::Writer<BufWriter<File>>,
    personnel: csv::Writer<BufWriter<File>>,
    experts_assign: csv::Writer<BufWriter<File>>,
    clauses: csv::Writer<BufWriter<File>>,
    truth: csv::Writer<BufWriter<File>>,
}

pub(crate) fn writer(dir: &Path, name: &str, header: &[&str]) -> Result<csv::Writer<BufWriter<File>>, GenError> {
    let path = dir.join(name);
    let file = File::create(&path).map_err(|source| GenError::Io { path: path.clone(), source })?;
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
    w.write_record(header).map_err(|source| GenError::Csv { path, source })?;
    Ok(w)
}

pub(crate) fn t(dt: NaiveDateTime) -> String {
    dt.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn money(x: f64) -> String {
    format!("{x:.2}")
}

struct Bid {
    firm: usize,
    price: f64,
    status: &'static str,
    ip: String,
    mac: String,
    machine: String,
    lock: String,
    author: String,
    account: String,
    persons: Vec<(String, &'static str)>,
}

/// Writes a generated county into `out` (created if needed).
pub fn generate(cfg: &GenConfig, out: &Path) -> Result<GenStats, GenError> {
    if cfg.projects == 0 {
        return Err(GenError::Config("--projects must be at least 1".into()));
    }
    fs::create_dir_all(out).map_err(|source| GenError::Io { path: out.to_owned(), source })?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut stats = GenStats { projects: cfg.projects, ..GenStats::default() };

    // The firm pool: large enough that works projects draw tens of bidders.
    let n_firms = (cfg.projects * 3 / 4).max(150);
    let mut person_serial = 0usize;
    let mut used_ids = std::collections::HashMap::new();
    let mut new_person = |rng: &mut ChaCha8Rng| {
        person_serial += 1;
        names::id_card(rng, person_serial, &mut used_ids)
    };
    let mut firms: Vec<Firm> = (0..n_firms)
        .map(|i| {
            let author = if rng.random_bool(0.25) { "Administrator".to_owned() } else { names::person_name(&mut rng) };
            let staff = (0..rng.random_range(3..8)).map(|_| new_person(&mut rng)).collect();
            Firm {
                id: names::uscc(100_000 + i),
                name: names::firm_name(&mut rng, i),
                legal_rep: new_person(&mut rng),
                phone: names::phone(&mut rng),
                email: format!("bid{:05}@{}.com", i, ["163", "qq", "126", "sina"][i % 4]),
                address: names::address(&mut rng),
                account: names::account(&mut rng),
                ip: names::public_ip(&mut rng),
                mac: names::mac(&mut rng),
                machine: names::hex_id(&mut rng, 16),
                lock: format!("GLD{}", names::hex_id(&mut rng, 10)),
                author,
                staff,
                uses_nat: rng.random_bool(0.15),
                ring: None,
                sibling: None,
            }
        })
        .collect();

    // Rings, from firms not yet in one.
    let mut order: Vec<usize> = (0..n_firms).collect();
    order.shuffle(&mut rng);
    let mut sizes: Vec<usize> = (0..cfg.rings).map(|_| rng.random_range(3..=6)).collect();
    if let Some(big) = cfg.big_ring {
        sizes.push(big.max(2));
    }
    if sizes.iter().sum::<usize>() + 10 > n_firms {
        return Err(GenError::Config(format!("{} projects are too few for rings of {sizes:?} firms", cfg.projects)));
    }
    let mut rings = Vec::new();
    for (r, size) in sizes.iter().enumerate() {
        let members: Vec<usize> = order.drain(..*size).collect();
        for m in &members {
            firms[*m].ring = Some(r);
            firms[*m].uses_nat = false;
        }
        let mut links = Link::ALL.to_vec();
        links.shuffle(&mut rng);
        links.truncate(rng.random_range(1..=3));
        // A ring of more than a handful of firms is run by an organiser who prepares the bids on
        // its own computer and pricing software (the county's 28-firm case): that tool comes first,
        // so every project of the ring shows it.
        if *size > 6 {
            let tool = if rng.random_bool(0.5) { Link::Machine } else { Link::Lock };
            links.retain(|l| *l != tool);
            links.insert(0, tool);
        }
        rings.push(Ring {
            id: format!("ring-{}", r + 1),
            covered: vec![false; members.len()],
            members,
            links,
            next_winner: 0,
            machine: names::hex_id(&mut rng, 16),
            lock: format!("GLD{}", names::hex_id(&mut rng, 10)),
            account: names::account(&mut rng),
            person: new_person(&mut rng),
            author: names::person_name(&mut rng),
            ip: names::public_ip(&mut rng),
            mac: names::mac(&mut rng),
        });
    }
    // Sibling firms: honest pairs under one legal representative, never in the same project.
    let n_siblings = (n_firms / 60).max(2);
    for _ in 0..n_siblings {
        let (Some(a), Some(b)) = (order.pop(), order.pop()) else {
            break;
        };
        firms[b].legal_rep = firms[a].legal_rep.clone();
        firms[a].sibling = Some(b);
        firms[b].sibling = Some(a);
    }

    let mut w = Writers {
        dir: out.to_owned(),
        projects: writer(
            out,
            "projects.csv",
            &[
                "project_id",
                "name",
                "category",
                "region",
                "tenderer_id",
                "agent_id",
                "ceiling_price",
                "estimate",
                "bond_waived",
                "evaluation_method",
                "published_at",
                "bid_deadline_at",
                "opened_at",
                "award_notice_at",
                "contract_signed_at",
            ],
        )?,
        bids: writer(
            out,
            "bids.csv",
            &[
                "project_id",
                "bidder_id",
                "price",
                "submitted_at",
                "status",
                "rank",
                "is_winner",
                "upload_ip",
                "upload_mac",
                "machine_code",
                "lock_serials",
                "file_create_id",
                "doc_author",
                "doc_hash",
                "bond_account",
                "authorized_rep_id",
                "consortium_id",
            ],
        )?,
        personnel: writer(out, "bid_personnel.csv", &["project_id", "bidder_id", "person_id", "role"])?,
        experts_assign: writer(out, "expert_assignments.csv", &["project_id", "expert_id", "scheduled_at", "checked_in_at", "status"])?,
        clauses: writer(out, "clauses.csv", &["project_id", "clause_no", "text"])?,
        truth: writer(out, "truth.csv", &["kind", "ring_id", "project_id", "bidder_a", "bidder_b", "detail"])?,
    };
    let mut truth = |w: &mut Writers, rec: [&str; 6]| -> Result<(), GenError> {
        stats.truth_rows += 1;
        let path = w.dir.join("truth.csv");
        w.truth.write_record(rec).map_err(|source| GenError::Csv { path, source })
    };
    for ring in &rings {
        for m in &ring.members {
            truth(
                &mut w,
                ["ring_member", &ring.id, "", &firms[*m].id, "", &ring.links.iter().map(|l| l.name()).collect::<Vec<_>>().join(";")],
            )?;
        }
    }
    for f in &firms {
        if f.uses_nat {
            truth(&mut w, ["trap_nat_ip", "", "", &f.id, "", NAT_IP])?;
        }
        if f.author == "Administrator" && f.ring.is_none() {
            truth(&mut w, ["trap_admin_author", "", "", &f.id, "", "Administrator"])?;
        }
    }
    for (a, f) in firms.iter().enumerate() {
        if let Some(b) = f.sibling.filter(|b| *b > a) {
            truth(&mut w, ["trap_sibling", "", "", &f.id, &firms[b].id, "same legal_rep_id, never bid together"])?;
        }
    }

    // A county has 8 agents, 40 tendering units and 60 experts; a province or a country has
    // proportionally more (the same numbers up to 1,500 projects), so that no expert sits on
    // thousands of committees a year. Agents' codes follow the firms' when the firms reach them.
    let agent_base = 900_000usize.max(100_000 + n_firms);
    let agents: Vec<String> = (0..8.max(cfg.projects / 200)).map(|i| names::uscc(agent_base + i)).collect();
    let tenderers: Vec<String> = (0..40.max(cfg.projects / 40))
        .map(|i| bidwatch_model::ids::complete_uscc(&format!("11330281{:08}", 500 + i)).unwrap_or_default())
        .collect();
    let experts: Vec<String> = (0..60.max(cfg.projects / 25)).map(|i| format!("E{:04}", i + 1)).collect();
    // The policy tables draw from their own stream: the rest of the county does not change with them.
    let mut policy_rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x0005_EED0_FB1D_u64);
    // A few experts work for a firm that bids now and then: they must recuse when it does.
    let expert_employer: Vec<Option<usize>> =
        (0..experts.len()).map(|_| policy_rng.random_bool(0.1).then(|| policy_rng.random_range(0..n_firms))).collect();
    let mut policy_projects: Vec<crate::policy::Project> = Vec::new();
    let total_weight: u32 = CATEGORIES.iter().map(|c| c.1).sum();
    // The county's pace (459 projects in 270 days), up to three years: a larger data set is a
    // larger region over the same years, not a longer history (dates past 2100 are not dates).
    let span_days = (cfg.projects as i64 * 270 / 459).clamp(30, 3 * 365);
    let mut file_serial = 0u64;
    // Clauses draw from their own stream, so every other table of a seed stays as it was.
    let mut clause_rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x00C1_A05E);
    // For each firm, the technical clause of the last tender it won, not yet copied.
    let mut won_clause: Vec<Option<(NaiveDateTime, String)>> = vec![None; firms.len()];
    const FCR_KINDS: [&str; 6] = ["FCR-001", "FCR-002", "FCR-003", "FCR-004", "FCR-005", "FCR-006"];

    for p in 0..cfg.projects {
        let pid = format!("GC{}-{:06}", cfg.start.format("%Y"), p + 1);
        let mut pick = rng.random_range(0..total_weight);
        let category = CATEGORIES
            .iter()
            .find(|(_, wgt)| {
                if pick < *wgt {
                    true
                } else {
                    pick -= wgt;
                    false
                }
            })
            .map_or("other", |c| c.0);
        let auction = matches!(category, "property" | "land");
        let bonded = matches!(category, "engineering" | "procurement");
        let waived = bonded && rng.random_bool(cfg.bond_waived_share);
        let (mid, sd, lo, hi): (f64, f64, f64, f64) = match category {
            "engineering" => (5.0e6, 1.0, 3.0e5, 2.0e8),
            "procurement" => (8.0e5, 1.0, 2.0e4, 5.0e7),
            "property" => (1.5e6, 1.0, 5.0e4, 5.0e7),
            "land" => (2.0e7, 0.8, 1.0e6, 5.0e8),
            "mall" => (3.0e4, 0.8, 1.0e3, 5.0e5),
            _ => (2.0e5, 1.0, 1.0e4, 5.0e6),
        };
        let z: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
        let ceiling = ((mid.ln() + sd * z).exp().clamp(lo, hi) / 100.0).round() * 100.0;
        let mut n = match (category, waived) {
            ("engineering", true) => rng.random_range(20..=80),
            ("engineering", false) => rng.random_range(5..=25),
            ("procurement", true) => rng.random_range(5..=20),
            ("procurement", false) => rng.random_range(3..=12),
            ("property", _) => rng.random_range(1..=5),
            ("land", _) => rng.random_range(1..=4),
            ("mall", _) => rng.random_range(3..=6),
            _ => rng.random_range(1..=6),
        };
        let few = category == "engineering" && rng.random_bool(0.02);
        if few {
            n = 2;
        }
        let published = NaiveDateTime::new(
            cfg.start + Duration::days(rng.random_range(0..span_days)),
            NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        );
        let deadline = published + Duration::days(if bonded { 20 } else { 10 }) + Duration::minutes(30);
        let notice = deadline + Duration::days(rng.random_range(7..12));
        let signed = notice + Duration::days(rng.random_range(10..25));

        // Who bids: perhaps a ring with some of its members, then honest firms.
        // A ring bids on a share of works and procurement tenders; larger rings bid more often
        // (a ring is chosen with weight by its size), so every member of a big ring gets a chance.
        let ring_idx = if bonded && !few && !rings.is_empty() && rng.random_bool(0.15) {
            let total: usize = rings.iter().map(|r| r.members.len()).sum();
            let mut pick = rng.random_range(0..total);
            rings.iter().position(|r| {
                if pick < r.members.len() {
                    true
                } else {
                    pick -= r.members.len();
                    false
                }
            })
        } else {
            None
        };
        let mut chosen: Vec<usize> = Vec::new();
        let mut linked: Vec<usize> = Vec::new();
        let mut link_kinds: Vec<Link> = Vec::new();
        if let Some(r) = ring_idx {
            let ring = &mut rings[r];
            let k = ring.members.len().min(rng.random_range(3..=8)).min(n.max(3));
            // An anchor already linked keeps the ring's evidence connected; then uncovered members first.
            let mut idx: Vec<usize> = (0..ring.members.len()).collect();
            idx.shuffle(&mut rng);
            idx.sort_by_key(|i| ring.covered[*i]);
            let anchor = (0..ring.members.len()).filter(|i| ring.covered[*i]).min_by_key(|_| rng.random::<u32>());
            let mut sel: Vec<usize> = anchor.into_iter().collect();
            sel.extend(idx.into_iter().filter(|i| Some(*i) != anchor).take(k - sel.len()));
            // Evidence on some pairs: the anchor (or first) and a random part of the others.
            let g = rng.random_range(2..=sel.len());
            for (j, i) in sel.iter().enumerate() {
                if j < g {
                    ring.covered[*i] = true;
                    linked.push(ring.members[*i]);
                }
                chosen.push(ring.members[*i]);
            }
            link_kinds = ring.links.iter().copied().filter(|l| *l != Link::Account || !waived).collect();
            link_kinds.truncate(rng.random_range(1..=2));
            if link_kinds.is_empty() {
                link_kinds.push(Link::Machine);
            }
        }
        let mut tries = 0;
        while chosen.len() < n && tries < n * 20 {
            tries += 1;
            let f = rng.random_range(0..firms.len());
            if firms[f].ring.is_some() || chosen.contains(&f) || firms[f].sibling.is_some_and(|s| chosen.contains(&s)) {
                continue;
            }
            chosen.push(f);
        }

        // Prices.
        let ring_members: Vec<usize> =
            ring_idx.map(|r| chosen.iter().copied().filter(|f| firms[*f].ring == Some(r)).collect()).unwrap_or_default();
        let mut prices: Vec<f64> = chosen
            .iter()
            .map(|_| {
                if auction {
                    ceiling * (1.0 + rng.random::<f64>().powi(2) * 0.3)
                } else {
                    let z: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
                    ceiling * (0.92 + 0.035 * z).clamp(0.75, 0.999)
                }
            })
            .map(|x: f64| (x * 100.0).round() / 100.0)
            .collect();
        let mut pattern = "";
        if let Some(r) = ring_idx {
            let ring = &mut rings[r];
            // Rotation: the next member in the ring's order that is present wins.
            let winner_pos = (0..ring.members.len())
                .map(|o| (ring.next_winner + o) % ring.members.len())
                .find(|i| ring_members.contains(&ring.members[*i]))
                .unwrap_or(0);
            ring.next_winner = winner_pos + 1;
            let winner = ring.members[winner_pos];
            let honest_min =
                chosen.iter().zip(&prices).filter(|(f, _)| firms[**f].ring.is_none()).map(|(_, p)| *p).fold(f64::INFINITY, f64::min);
            let roll: f64 = rng.random();
            let base = if roll < 0.35 {
                pattern = "ceiling_cluster";
                ceiling * rng.random_range(0.970..0.980)
            } else {
                (honest_min.min(ceiling * 0.95) * rng.random_range(0.97..0.995)).min(ceiling * 0.999)
            };
            let step = if (0.35..0.7).contains(&roll) {
                pattern = "price_ladder";
                (ceiling * rng.random_range(0.004..0.012) / 1000.0).round().max(1.0) * 1000.0
            } else {
                0.0
            };
            let mut covers = ring_members.iter().filter(|f| **f != winner).count();
            for (j, f) in chosen.iter().enumerate() {
                if !ring_members.contains(f) {
                    if pattern == "ceiling_cluster" {
                        // Outsiders in a clustered tender: the cluster wins on price only if others are higher.
                        prices[j] = prices[j].max(base * 1.001);
                    }
                    continue;
                }
                prices[j] = if *f == winner {
                    (base * 100.0).round() / 100.0
                } else if pattern == "ceiling_cluster" {
                    (ceiling * rng.random_range(0.980..0.995) * 100.0).round() / 100.0
                } else if pattern == "price_ladder" {
                    let p = (base * 100.0).round() / 100.0 + step * covers as f64;
                    covers -= 1;
                    p.min(ceiling * 0.999)
                } else {
                    // a cover bid a little above the winner, never above the ceiling (it would be void)
                    ((base * rng.random_range(1.01..1.06)).min(ceiling * 0.999) * 100.0).round() / 100.0
                };
            }
            truth(&mut w, ["ring_project", &ring.id, &pid, &firms[winner].id, "", pattern])?;
            truth(&mut w, ["rotation_win", &ring.id, &pid, &firms[winner].id, "", ""])?;
            if !pattern.is_empty() {
                let detail = if step > 0.0 { format!("step={step:.0}") } else { String::new() };
                truth(&mut w, [pattern, &ring.id, &pid, "", "", &detail])?;
            }
        }

        // Bid records.
        let mut bids: Vec<Bid> = chosen
            .iter()
            .zip(&prices)
            .map(|(&f, &price)| {
                let firm = &firms[f];
                let role = if category == "engineering" { "project_manager" } else { "contact" };
                let mut persons = vec![(firm.staff[rng.random_range(0..firm.staff.len())].clone(), role)];
                if category == "engineering" {
                    let tl = firm.staff[rng.random_range(0..firm.staff.len())].clone();
                    if tl != persons[0].0 {
                        persons.push((tl, "tech_lead"));
                    }
                }
                Bid {
                    firm: f,
                    price,
                    status: "valid",
                    ip: if firm.uses_nat { NAT_IP.to_owned() } else { firm.ip.clone() },
                    mac: firm.mac.clone(),
                    machine: firm.machine.clone(),
                    lock: firm.lock.clone(),
                    author: firm.author.clone(),
                    account: if waived || !bonded { String::new() } else { firm.account.clone() },
                    persons,
                }
            })
            .collect();
        if let Some(r) = ring_idx {
            let ring = &rings[r];
            for b in bids.iter_mut().filter(|b| linked.contains(&b.firm)) {
                for l in &link_kinds {
                    match l {
                        Link::Machine => {
                            b.machine.clone_from(&ring.machine);
                            b.mac.clone_from(&ring.mac);
                        }
                        Link::Lock => b.lock.clone_from(&ring.lock),
                        Link::Account => b.account.clone_from(&ring.account),
                        Link::Staff => b.persons[0].0.clone_from(&ring.person),
                        Link::Author => b.author.clone_from(&ring.author),
                        Link::Ip => b.ip.clone_from(&ring.ip),
                    }
                }
            }
            for pair in linked.windows(2) {
                for l in &link_kinds {
                    truth(&mut w, ["evidence", &ring.id, &pid, &firms[pair[0]].id, &firms[pair[1]].id, l.name()])?;
                }
            }
        }
        // Statuses: a few honest bids rejected or withdrawn.
        for b in bids.iter_mut().filter(|b| firms[b.firm].ring.is_none()) {
            let x: f64 = rng.random();
            b.status = if x < 0.03 {
                "rejected"
            } else if x < 0.04 {
                "withdrawn"
            } else {
                "valid"
            };
        }
        if few {
            for b in &mut bids {
                b.status = "valid";
            }
            truth(&mut w, ["violation", "", &pid, "", "", "CNT-001"])?;
        }
        // Planted PRC-004: an honest bid above the ceiling that stands, or one bidder with two prices.
        if !auction && !bids.is_empty() && ring_idx.is_none() && rng.random_bool(0.01) {
            let j = rng.random_range(0..bids.len());
            bids[j].price = (ceiling * 1.02 * 100.0).round() / 100.0;
            bids[j].status = "valid";
            truth(&mut w, ["violation", "", &pid, &firms[bids[j].firm].id, "", "PRC-004 above_ceiling"])?;
        } else if !auction && bids.len() >= 3 && ring_idx.is_none() && rng.random_bool(0.005) {
            let j = rng.random_range(0..bids.len());
            bids[j].status = "valid";
            // The second file names no staff: the personnel rows of the first stand for both.
            let b = &bids[j];
            let second = Bid {
                firm: b.firm,
                price: (b.price * 0.99 * 100.0).round() / 100.0,
                status: "valid",
                ip: b.ip.clone(),
                mac: b.mac.clone(),
                machine: b.machine.clone(),
                lock: b.lock.clone(),
                author: b.author.clone(),
                account: b.account.clone(),
                persons: Vec::new(),
            };
            bids.push(second);
            truth(&mut w, ["violation", "", &pid, &firms[bids[j].firm].id, "", "PRC-004 several_prices"])?;
        }

        // Ranking: lowest price wins a tender, highest wins an auction.
        let mut ranked: Vec<usize> = (0..bids.len()).filter(|i| bids[*i].status == "valid").collect();
        ranked.sort_by(|a, b| {
            let o = bids[*a].price.total_cmp(&bids[*b].price);
            if auction {
                o.reverse()
            } else {
                o
            }
        });
        let mut rank = vec![None; bids.len()];
        for (r, i) in ranked.iter().enumerate() {
            rank[*i] = Some(r + 1);
        }
        let name = match category {
            "engineering" => format!("{}道路提升改造工程施工", ["城南", "城北", "开发区", "滨江", "工业园"][p % 5]),
            "procurement" => format!("{}设备采购项目", ["教学", "医疗", "办公", "环卫", "信息化"][p % 5]),
            "property" => "国有资产转让项目".to_owned(),
            "land" => format!("{}地块国有建设用地使用权出让", ["A", "B", "C", "D"][p % 4]),
            "mall" => "网上商城竞价采购".to_owned(),
            _ => "其他交易项目".to_owned(),
        };
        let estimate = if auction { ceiling } else { (ceiling * 1.02 / 100.0).round() * 100.0 };
        let agent = agents[rng.random_range(0..agents.len())].clone();
        let path = w.dir.join("projects.csv");
        w.projects
            .write_record([
                pid.as_str(),
                &name,
                category,
                "某县",
                &tenderers[p % tenderers.len()],
                &agent,
                &if auction { String::new() } else { money(ceiling) },
                &money(estimate),
                if bonded {
                    if waived {
                        "true"
                    } else {
                        "false"
                    }
                } else {
                    ""
                },
                if auction { "拍卖/挂牌" } else { "综合评估法" },
                &t(published),
                &t(deadline),
                &t(deadline),
                &t(notice),
                &t(signed),
            ])
            .map_err(|source| GenError::Csv { path, source })?;

        for (i, b) in bids.iter().enumerate() {
            let firm = &firms[b.firm];
            file_serial += 1;
            let submitted = deadline - Duration::minutes(rng.random_range(5..4000));
            let winner = rank[i] == Some(1);
            let path = w.dir.join("bids.csv");
            w.bids
                .write_record([
                    pid.as_str(),
                    &firm.id,
                    &money(b.price),
                    &t(submitted),
                    b.status,
                    &rank[i].map(|r| r.to_string()).unwrap_or_default(),
                    if winner { "true" } else { "false" },
                    &b.ip,
                    &b.mac,
                    &b.machine,
                    &b.lock,
                    &format!("FC{file_serial:012}"),
                    &b.author,
                    &names::hex_id(&mut rng, 32),
                    &b.account,
                    &firm.staff[0],
                    "",
                ])
                .map_err(|source| GenError::Csv { path, source })?;
            stats.bids += 1;
            for (person, role) in &b.persons {
                let path = w.dir.join("bid_personnel.csv");
                w.personnel.write_record([pid.as_str(), &firm.id, person, role]).map_err(|source| GenError::Csv { path, source })?;
            }
        }
        // Tender-document clauses for works and procurement, some restrictive, some tailor-made.
        if bonded {
            let plant = clause_rng.random_bool(0.03).then(|| FCR_KINDS[clause_rng.random_range(0..FCR_KINDS.len())]);
            let mut list = crate::clauses::clauses(&mut clause_rng, category == "engineering", ceiling, waived, plant);
            // A tailor-made copy: a bidder here won an earlier tender whose technical clause is copied.
            if clause_rng.random_bool(0.04) {
                // Only a tender published after the one copied from.
                let holder = bids.iter().map(|b| b.firm).find(|f| won_clause[*f].as_ref().is_some_and(|(when, _)| *when < published));
                if let Some(f) = holder {
                    if let Some((_, text)) = won_clause[f].take() {
                        let copied = crate::clauses::copy_of(&mut clause_rng, &text);
                        list.push(crate::clauses::Clause { no: list.len() + 1, text: copied, planted: Some("FCR-007") });
                        let detail = format!("FCR-007 clause {}", list.len());
                        truth(&mut w, ["restrictive_clause", "", &pid, &firms[f].id, "", &detail])?;
                    }
                }
            }
            for c in &list {
                let path = w.dir.join("clauses.csv");
                w.clauses.write_record([pid.as_str(), &c.no.to_string(), &c.text]).map_err(|source| GenError::Csv { path, source })?;
                if let (Some(kind), false) = (c.planted, c.planted == Some("FCR-007")) {
                    truth(&mut w, ["restrictive_clause", "", &pid, "", "", &format!("{kind} clause {}", c.no)])?;
                }
            }
            // The winner's technical clause, for a later copy.
            if let (Some(i), Some(tech)) =
                (rank.iter().position(|r| *r == Some(1)), list.iter().find(|c| c.text.starts_with("投标人须配备")))
            {
                won_clause[bids[i].firm] = Some((published, tech.text.clone()));
            }
        }
        let mut sat: Vec<String> = Vec::new();
        if bonded {
            // five of the pool (a county's 60 are shuffled, as they always were; thousands are sampled)
            let committee: Vec<usize> = if experts.len() <= 60 {
                let mut pool: Vec<usize> = (0..experts.len()).collect();
                pool.shuffle(&mut rng);
                pool.truncate(5);
                pool
            } else {
                rand::seq::index::sample(&mut rng, experts.len(), 5).into_vec()
            };
            for e in committee {
                let late = rng.random_bool(0.05);
                let minutes = if late { rng.random_range(31..60) } else { rng.random_range(0..30) };
                let checked = deadline + Duration::minutes(minutes);
                // an expert whose employer bids here recuses, or (planted) does not
                let tied = expert_employer[e].is_some_and(|f| bids.iter().any(|b| b.firm == f));
                let recused = tied && policy_rng.random_bool(0.5);
                if tied && !recused {
                    truth(&mut w, ["violation", "", &pid, "", "", &format!("EXP-001 {} works for a bidder", experts[e])])?;
                }
                if late && !recused {
                    truth(&mut w, ["violation", "", &pid, "", "", &format!("EXP-002 {} {} minutes late", experts[e], minutes - 30)])?;
                }
                if !recused {
                    sat.push(experts[e].clone());
                }
                let path = w.dir.join("expert_assignments.csv");
                w.experts_assign
                    .write_record([
                        pid.as_str(),
                        &experts[e],
                        &t(deadline + Duration::minutes(30)),
                        &if recused { String::new() } else { t(checked) },
                        if recused {
                            "recused"
                        } else if late {
                            "late"
                        } else {
                            "present"
                        },
                    ])
                    .map_err(|source| GenError::Csv { path, source })?;
            }
        }
        let winner = rank.iter().position(|r| *r == Some(1));
        // standing bidders in rank order, the winner first
        let mut valid: Vec<String> = Vec::new();
        for i in &ranked {
            if !valid.contains(&firms[bids[*i].firm].id) {
                valid.push(firms[bids[*i].firm].id.clone());
            }
        }
        policy_projects.push(crate::policy::Project {
            id: pid.clone(),
            category,
            bonded,
            waived,
            estimate,
            published,
            deadline,
            notice,
            signed,
            bidders: valid,
            winner: winner.map(|i| (firms[bids[i].firm].id.clone(), bids[i].price)),
            manager: winner.and_then(|i| bids[i].persons.iter().find(|(_, r)| *r == "project_manager").map(|(p, _)| p.clone())),
            experts: sat,
            agent: agent.clone(),
        });
    }
    crate::policy::write(out, &policy_projects, &mut policy_rng, &mut |kind, project, subject, detail| {
        truth(&mut w, [kind, "", project, subject, "", detail])
    })?;

    // Firms, staff employment, shareholders, agents, experts.
    let csv_err = |name: &str| {
        let path = out.join(name);
        move |source| GenError::Csv { path: path.clone(), source }
    };
    let mut bw = writer(out, "bidders.csv", &["bidder_id", "name", "legal_rep_id", "phone", "email", "address", "basic_account"])?;
    let mut ew = writer(out, "employment.csv", &["person_id", "employer_id", "month"])?;
    let mut sw = writer(out, "shareholders.csv", &["bidder_id", "holder_id", "holder_kind", "share_pct", "is_controller"])?;
    for f in &firms {
        bw.write_record([&f.id, &f.name, &f.legal_rep, &f.phone, &f.email, &f.address, &f.account]).map_err(csv_err("bidders.csv"))?;
        for s in &f.staff {
            for m in 1..=6 {
                ew.write_record([s.as_str(), &f.id, &format!("{}-{m:02}", cfg.start.format("%Y"))]).map_err(csv_err("employment.csv"))?;
            }
        }
        sw.write_record([&f.id, &f.legal_rep, "person", "60", "true"]).map_err(csv_err("shareholders.csv"))?;
    }
    // The ring's shared person is on the payroll of its first member.
    for ring in &rings {
        let employer = &firms[ring.members[0]].id;
        for m in 1..=6 {
            ew.write_record([ring.person.as_str(), employer, &format!("{}-{m:02}", cfg.start.format("%Y"))])
                .map_err(csv_err("employment.csv"))?;
        }
    }
    stats.bidders = firms.len();
    const PLACES_OF_AGENTS: [&str; 4] = ["东", "南", "西", "北"];
    stats.rings = rings.len();
    let mut aw = writer(out, "agents.csv", &["agent_id", "name"])?;
    for (i, a) in agents.iter().enumerate() {
        const AGENT_NAMES: [&str; 8] = ["明信", "正源", "中诚", "华建", "公信", "信达", "安和", "立德"];
        let place =
            if i < AGENT_NAMES.len() { String::new() } else { format!("{}第{}", PLACES_OF_AGENTS[i % PLACES_OF_AGENTS.len()], i / 8) };
        aw.write_record([a.as_str(), &format!("{place}{}招标代理有限公司", AGENT_NAMES[i % AGENT_NAMES.len()])])
            .map_err(csv_err("agents.csv"))?;
    }
    let mut xw = writer(out, "experts.csv", &["expert_id", "name", "employer_id"])?;
    for (e, employer) in experts.iter().zip(&expert_employer) {
        let employer = employer.map(|f| firms[f].id.clone()).unwrap_or_default();
        xw.write_record([e.as_str(), &names::person_name(&mut rng), &employer]).map_err(csv_err("experts.csv"))?;
    }
    for (mut wr, name) in [(bw, "bidders.csv"), (ew, "employment.csv"), (sw, "shareholders.csv"), (aw, "agents.csv"), (xw, "experts.csv")] {
        wr.flush().map_err(|source| GenError::Io { path: out.join(name), source })?;
    }
    for (wr, name) in [
        (&mut w.projects, "projects.csv"),
        (&mut w.bids, "bids.csv"),
        (&mut w.personnel, "bid_personnel.csv"),
        (&mut w.experts_assign, "expert_assignments.csv"),
        (&mut w.clauses, "clauses.csv"),
        (&mut w.truth, "truth.csv"),
    ] {
        wr.flush().map_err(|source| GenError::Io { path: out.join(name), source })?;
    }
    Ok(stats)
}
