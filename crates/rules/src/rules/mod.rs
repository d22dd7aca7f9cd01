//! One file per rule.

pub mod agent;
pub mod agt_001;
pub mod agt_002;
pub mod agt_003;
pub mod agt_004;
pub mod agt_005;
pub mod agt_006;
pub mod att_001;
pub mod att_002;
pub mod att_003;
pub mod att_004;
pub mod att_005;
pub mod att_006;
pub(crate) mod attendance;
pub mod bid_002;
pub mod cmp_001;
pub mod cmp_002;
pub mod cnt_001;
pub mod cnt_002;
pub mod cnt_003;
pub(crate) mod col;
pub mod col_001;
pub mod col_002;
pub mod col_003;
pub mod col_004;
pub mod col_005;
pub mod col_006;
pub mod col_007;
pub mod col_008;
pub mod col_009;
pub mod col_010;
pub mod col_011;
pub mod col_012;
pub(crate) mod deadline;
pub mod dep_001;
pub mod dep_002;
pub mod dep_003;
pub mod exp_001;
pub mod exp_002;
pub mod exp_003;
pub mod exp_004;
pub mod exp_005;
pub mod exp_007;
pub(crate) mod expert;
pub(crate) mod fcr;
pub mod fcr_001;
pub mod fcr_002;
pub mod fcr_003;
pub mod fcr_004;
pub mod fcr_005;
pub mod fcr_006;
pub mod fcr_007;
pub mod grf_001;
pub mod grf_002;
pub mod grf_003;
pub mod grf_004;
pub mod int_001;
pub mod int_002;
pub(crate) mod ledger;
pub mod pol_002;
pub mod pol_003;
pub mod prc_001;
pub mod prc_002;
pub mod prc_004;
pub mod prc_005;

use bidwatch_ingest::schema::BID_STATUS;
use bidwatch_ingest::{Dataset, TableName};

use bidwatch_ingest::frame;

/// The columns of `projects` most rules need, by project key.
#[derive(Debug)]
pub(crate) struct Projects {
    pub id: Vec<String>,
    pub row: Vec<u64>,
    pub category: Vec<Option<String>>,
    pub ceiling: Vec<Option<f64>>,
    pub estimate: Vec<Option<f64>>,
    pub name: Vec<Option<String>>,
    pub opened_at: Vec<Option<i64>>,
    /// Publication time, else deadline, else opening (milliseconds): when the documents were out.
    pub published_at: Vec<Option<i64>>,
    pub award_notice_at: Vec<Option<i64>>,
    pub contract_signed_at: Vec<Option<i64>>,
}

impl Projects {
    pub fn load(ds: &Dataset) -> Projects {
        let n = ds.projects.len();
        let mut p = Projects {
            id: vec![String::new(); n],
            row: vec![0; n],
            category: vec![None; n],
            ceiling: vec![None; n],
            estimate: vec![None; n],
            name: vec![None; n],
            opened_at: vec![None; n],
            published_at: vec![None; n],
            award_notice_at: vec![None; n],
            contract_signed_at: vec![None; n],
        };
        for k in 0..n {
            p.id[k] = ds.projects.resolve(k as u32).unwrap_or_default().to_owned();
        }
        if let Some(df) = ds.frame(TableName::Projects) {
            let keys = frame::keys(df, "project_id");
            let rows = frame::rows(df);
            let cat = frame::strs(df, "category");
            let ceil = frame::f64s(df, "ceiling_price");
            let opened = frame::i64s(df, "opened_at");
            let estimate = frame::f64s(df, "estimate");
            let names = frame::strs(df, "name");
            let published = frame::i64s(df, "published_at");
            let deadline = frame::i64s(df, "bid_deadline_at");
            let notice = frame::i64s(df, "award_notice_at");
            let signed = frame::i64s(df, "contract_signed_at");
            for (i, k) in keys.iter().enumerate() {
                let Some(k) = k.map(|k| k as usize) else {
                    continue;
                };
                p.row[k] = rows[i];
                p.category[k].clone_from(&cat[i]);
                p.ceiling[k] = ceil[i];
                p.opened_at[k] = opened[i];
                p.estimate[k] = estimate[i];
                p.name[k].clone_from(&names[i]);
                p.published_at[k] = published[i].or(deadline[i]).or(opened[i]);
                p.award_notice_at[k] = notice[i];
                p.contract_signed_at[k] = signed[i];
            }
        }
        p
    }
}

/// The label of a trading category (交易类型) in a report language.
pub fn category_label(category: &str, zh: bool) -> &str {
    let label = match category {
        "engineering" => ("工程建设", "engineering"),
        "procurement" => ("政府采购", "procurement"),
        "property" => ("产权交易", "property rights"),
        "land" => ("国有建设用地", "land"),
        "mall" => ("网上商城", "e-mall"),
        "other" => ("其他", "other"),
        _ => return category,
    };
    if zh {
        label.0
    } else {
        label.1
    }
}

/// One bid, with what the bid rules look at: 48 bytes a bid (there were 88), the bidder's id
/// borrowed from its key space and the rest as numbers. A status is one of the contract's three
/// (ingest holds the column to them), a consortium a number among the bids' consortia
/// ([`Views::consortium`](crate::registry::Views::consortium)): at 10M bids the view is 0.48 GB,
/// not 0.88, in the first pass of the rules, the run's peak from about 20 M bids on.
#[derive(Debug, Clone)]
pub(crate) struct Bid<'a> {
    pub bidder: &'a str,
    pub price: f64,
    /// The bidder's key (`Dataset::orgs`): a rule that tallies or sorts bids by bidder compares
    /// numbers, not ids.
    pub bidder_key: u32,
    /// The project's key (see [`Bid::project`]).
    project: u32,
    pub row: u32,
    /// The rank, 0 for none (ingest holds a rank to 1..=100 000).
    rank: u32,
    /// The consortium's number among the bids' consortia, [`NO_CONSORTIUM`] for none.
    pub(crate) consortium: u32,
    /// The status: 0 for none, else its place in the contract's values plus one.
    status: u8,
    pub ranked_or_won: bool,
    /// Won: `is_winner`, or rank 1 where the data has no `is_winner` column.
    pub winner: bool,
}

// The view's size is what this layout is for: a field that widens it is a choice to be made here.
const _: () = assert!(std::mem::size_of::<Bid<'static>>() == 48);

/// [`Bid::consortium`] of a bid made alone.
pub(crate) const NO_CONSORTIUM: u32 = u32::MAX;

impl<'a> Bid<'a> {
    /// The project's key, an index of the per-project views.
    pub fn project(&self) -> usize {
        self.project as usize
    }

    pub fn rank(&self) -> Option<u32> {
        (self.rank > 0).then_some(self.rank)
    }

    /// The status, as the contract spells it (`valid`, `rejected`, `withdrawn`).
    pub fn status(&self) -> Option<&'static str> {
        self.status.checked_sub(1).and_then(|i| BID_STATUS.get(usize::from(i))).map(|v| v.value)
    }

    /// Whether the bid was made in a consortium.
    pub fn in_consortium(&self) -> bool {
        self.consortium != NO_CONSORTIUM
    }

    /// The bid's row as evidence: bidder, price and status.
    pub fn evidence(&self) -> bidwatch_model::Evidence {
        bidwatch_model::Evidence::new("bids", u64::from(self.row))
            .with("bidder_id", self.bidder)
            .with("price", self.price)
            .with("status", self.status())
    }

    pub fn withdrawn(&self) -> bool {
        self.status() == Some("withdrawn")
    }
}

/// A status's code in a [`Bid`]: its place among the contract's values plus one, 0 for none or
/// (never made by ingest) a value outside them.
fn status_code(status: Option<&str>) -> u8 {
    status.and_then(|s| BID_STATUS.iter().position(|v| v.value == s)).map_or(0, |i| i as u8 + 1)
}

/// Whether `values` hold at least `n` distinct values, read only until `n` are found (each
/// searched for among those found so far: `n` is a threshold of a handful, as 3 bidders).
pub(crate) fn distinct_reach<'v>(values: impl IntoIterator<Item = &'v str>, n: usize) -> bool {
    if n == 0 {
        return true;
    }
    let mut found: Vec<&str> = Vec::with_capacity(n);
    for v in values {
        if !found.contains(&v) {
            found.push(v);
            if found.len() >= n {
                return true;
            }
        }
    }
    false
}

/// The bids of every project, by project key, in source order: each bid placed in its project as
/// it is read, the numbers a slice of the frame at a time and the text cell by cell (no second
/// copy of all bids meanwhile). With them, the consortia the bids name, each once, in the order
/// first named: a bid's [`Bid::consortium`] is its place there.
pub(crate) fn bids_by_project(ds: &Dataset) -> (Vec<Vec<Bid<'_>>>, Vec<&str>) {
    let Some(df) = ds.frame(TableName::Bids) else {
        return (vec![Vec::new(); ds.projects.len()], Vec::new());
    };
    // Each project's vector sized by its count of bids first: grown by doubling, they held up to
    // half again as much (≈ 0.3 GB over 10M bids) until shrunk, and the shrinking copied them.
    let mut counts = vec![0usize; ds.projects.len()];
    for k in frame::key_iter(df, "project_id").flatten() {
        if let Some(n) = counts.get_mut(k as usize) {
            *n += 1;
        }
    }
    let mut out: Vec<Vec<Bid<'_>>> = counts.into_iter().map(Vec::with_capacity).collect();
    let mut consortia: Vec<&str> = Vec::new();
    let mut consortium_of: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let has_winner = df.column("is_winner").is_ok();
    let mut status = frame::str_iter(df, "status");
    let mut consortium = frame::str_iter(df, "consortium_id");
    for slice in frame::chunks(df, frame::CHUNK_ROWS) {
        let project = frame::keys(&slice, "project_id");
        let bidder = frame::keys(&slice, "bidder_id");
        let price = frame::f64s(&slice, "price");
        let rank = frame::i64s(&slice, "rank");
        let winner = frame::bools(&slice, "is_winner");
        let rows = frame::rows32(&slice);
        for i in 0..slice.height() {
            // The text iterators step once a row, kept or not.
            let (status, consortium) = (status.next().flatten(), consortium.next().flatten());
            let (Some(project), Some(key), Some(price)) = (project[i], bidder[i], price[i]) else { continue };
            let Some(who) = ds.orgs.resolve(key) else { continue };
            let Some(v) = out.get_mut(project as usize) else { continue };
            // Ingest holds a rank to 1..=100 000; a rank outside it (none is made) reads as none.
            let rank = rank[i].and_then(|r| u32::try_from(r).ok()).filter(|r| *r > 0);
            let consortium = consortium.map_or(NO_CONSORTIUM, |c| {
                *consortium_of.entry(c).or_insert_with(|| {
                    consortia.push(c);
                    (consortia.len() - 1) as u32
                })
            });
            v.push(Bid {
                bidder: who,
                price,
                bidder_key: key,
                project,
                row: rows[i],
                rank: rank.unwrap_or(0),
                consortium,
                status: status_code(status),
                ranked_or_won: rank.is_some() || winner[i] == Some(true),
                winner: if has_winner { winner[i] == Some(true) } else { rank == Some(1) },
            });
        }
    }
    // a bid set aside for want of a bidder or a price leaves its place unused
    for v in &mut out {
        v.shrink_to_fit();
    }
    (out, consortia)
}

#[cfg(test)]
mod tests {
    use super::distinct_reach;

    proptest::proptest! {
        /// Stopping at the n-th distinct value gives what counting them all does.
        #[test]
        fn distinct_reach_is_a_count(values in proptest::collection::vec("[a-d]{1,2}", 0..12), n in 0usize..6) {
            let all: std::collections::BTreeSet<&str> = values.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(distinct_reach(values.iter().map(String::as_str), n), all.len() >= n);
        }
    }
}
