//! Findings held compressed while the rules still run.
//!
//! A night at 10M bids makes some 850,000 findings; as structs (their messages in two languages,
//! evidence rows, thresholds) they take about 2 GB, held while every view, the linking's graph and
//! the frames are still in memory. Packed — MessagePack, then zstd, a few thousand at a time — the
//! same findings take some 70 MB (they repeat their keys, tables and phrasing), and are unpacked
//! once the rules are done and their working state is gone.
//!
//! Packing is exact: numbers keep their bits, text its bytes, and the order is kept, so the
//! reports are the same byte for byte whether findings were packed or not.

use std::collections::HashSet;
use std::sync::{PoisonError, RwLock};

use crate::finding::{Finding, Key};

/// Findings per compressed block: small enough that packing one never holds much, large enough
/// that the block's repeated keys and phrases compress. A producer that packs as it goes (a
/// rule's output) gathers this many before packing them.
pub const BLOCK: usize = 4096;

/// Blocks a thread unpacks in one round of [`Packed::unpack`].
const ROUND_PER_THREAD: usize = 32;

/// zstd's level: the fast end; the findings compress about fifteen-fold there already.
const LEVEL: i32 = 1;

/// Why a block of findings could not be packed or unpacked.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("findings could not be encoded: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
    #[error("findings could not be decoded: {0}")]
    Decode(#[from] rmp_serde::decode::Error),
    #[error("findings could not be compressed or decompressed: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug)]
enum Block {
    /// `raw` is the MessagePack's length, the size of the buffer to decompress into.
    Packed { raw: usize, bytes: Vec<u8> },
    /// A block that could not be packed is held as it is: nothing is lost.
    Loose(Vec<Finding>),
}

/// Findings in the order they were added, held compressed.
#[derive(Debug, Default)]
pub struct Packed {
    blocks: Vec<Block>,
    len: usize,
}

impl Packed {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many findings are held.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the packed blocks take (loose blocks not counted), for the stage log.
    pub fn packed_bytes(&self) -> usize {
        self.blocks.iter().map(|b| if let Block::Packed { bytes, .. } = b { bytes.capacity() } else { 0 }).sum()
    }

    /// Adds findings after those already held. A block that cannot be packed (it should not
    /// happen: every finding is plain data) is kept as it is and the reason logged.
    pub fn extend(&mut self, findings: Vec<Finding>) {
        self.len += findings.len();
        let mut rest = findings;
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(BLOCK));
            match pack(&rest) {
                Ok((raw, bytes)) => self.blocks.push(Block::Packed { raw, bytes }),
                Err(e) => {
                    tracing::warn!(error = %e, findings = rest.len(), "findings kept unpacked");
                    self.blocks.push(Block::Loose(rest));
                }
            }
            rest = tail;
        }
    }

    /// Adds another set's findings after these.
    pub fn append(&mut self, other: Packed) {
        self.len += other.len;
        self.blocks.extend(other.blocks);
    }

    /// Every finding, in the order added. The blocks are unpacked side by side (rayon), a round
    /// of blocks at a time, so that only a round's findings are held twice (unpacked, then moved
    /// into place): [`ROUND_PER_THREAD`] blocks a thread, ≈ 0.26 M findings a round on two
    /// threads (every round waits for its slowest block, and a rule's last block is short: at 4
    /// a thread the 10M county's 852,504 findings took 33 rounds, the two cores 1.5–1.7 busy).
    pub fn unpack(self) -> Result<Vec<Finding>, PackError> {
        use rayon::prelude::*;
        let mut out = Vec::with_capacity(self.len);
        let step = ROUND_PER_THREAD * rayon::current_num_threads().max(1);
        let mut blocks = self.blocks.into_iter();
        loop {
            let some: Vec<Block> = blocks.by_ref().take(step).collect();
            if some.is_empty() {
                return Ok(out);
            }
            // An indexed parallel iterator collects in order: the findings keep theirs.
            let unpacked = some.into_par_iter().map(Block::unpack).collect::<Result<Vec<_>, _>>()?;
            for findings in unpacked {
                out.extend(findings);
            }
        }
    }
}

impl Block {
    fn unpack(self) -> Result<Vec<Finding>, PackError> {
        match self {
            Block::Packed { raw, bytes } => {
                let raw = zstd::bulk::decompress(&bytes, raw)?;
                Ok(rmp_serde::from_slice::<Vec<Finding>>(&raw)?)
            }
            Block::Loose(findings) => Ok(findings),
        }
    }
}

/// The MessagePack's length and its compressed bytes.
fn pack(findings: &[Finding]) -> Result<(usize, Vec<u8>), PackError> {
    // named fields: a finding leaves out its empty `projects` and `paths`
    let raw = rmp_serde::to_vec_named(findings)?;
    let mut bytes = zstd::bulk::compress(&raw, LEVEL)?;
    // the buffer was sized for incompressible input: as large as the MessagePack, fifteen times
    // what it holds
    bytes.shrink_to_fit();
    Ok((raw.len(), bytes))
}

/// The keys read back from packed findings: each distinct key once for the whole run (there are a
/// few hundred column and threshold names), as the code's own literals are, instead of a copy in
/// every evidence row.
static KEYS: RwLock<Option<HashSet<&'static str>>> = RwLock::new(None);

/// Keys shared at most: past it (a key made from data, which no rule does today) they are owned.
const MAX_SHARED_KEYS: usize = 4096;

/// A key read back from a packed finding, shared with every other copy of it.
pub(crate) fn shared_key(key: String) -> Key {
    if let Some(k) = KEYS.read().unwrap_or_else(PoisonError::into_inner).as_ref().and_then(|set| set.get(key.as_str()).copied()) {
        return Key::Borrowed(k);
    }
    let mut set = KEYS.write().unwrap_or_else(PoisonError::into_inner);
    let set = set.get_or_insert_with(HashSet::new);
    if let Some(k) = set.get(key.as_str()) {
        return Key::Borrowed(k);
    }
    if set.len() >= MAX_SHARED_KEYS {
        return Key::Owned(key);
    }
    // Bounded by the code's and the contract's names: leaked once, used for the rest of the run.
    let k: &'static str = Box::leak(key.into_boxed_str());
    set.insert(k);
    Key::Borrowed(k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Evidence, EvidencePath, PathStep};
    use crate::{RuleCode, Severity, Subject, SubjectKind, Text};
    use proptest::prelude::*;

    fn finding(i: usize, x: f64, text: &str) -> Finding {
        let code = RuleCode::new(["COL-006", "EXP-002", "GRF-001", "PRC-005"][i % 4]).expect("a code");
        let mut f = Finding::new(
            code,
            Severity::Signal,
            Subject::new(SubjectKind::Bidder, format!("9133{i:014}")),
            Text::new(format!("中文 {text} {i}"), format!("english {text}")),
        )
        .with_score(x.abs().fract())
        .with_threshold("stat", x)
        .with_threshold(format!("made_{}", i % 3), i as u64)
        .with_evidence(Evidence::new("bids", i as u64 + 2).with("price", x).with("bidder_id", text).with("missing", None::<String>))
        .with_evidence(Evidence::new(format!("table_{}", i % 2), 7).with("n", -(i as i64)));
        if i.is_multiple_of(2) {
            f = f.in_project(format!("GC-{i}")).with_points(x.abs()).with_members(vec!["b".into(), "a".into()]);
        }
        if i.is_multiple_of(3) {
            f = f.with_projects(vec![format!("GC-{i}"), "GC-0".into()]);
            f.paths.push(EvidencePath {
                from: "a".into(),
                to: "b".into(),
                steps: vec![PathStep {
                    from: "a".into(),
                    to: "b".into(),
                    code,
                    field: "bids.upload_ip".into(),
                    value: text.into(),
                    project_id: None,
                    weight: x,
                }],
            });
        }
        f
    }

    proptest! {
        #[test]
        fn findings_unpack_as_they_were_packed(
            xs in prop::collection::vec(prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO, 0..40),
            text in "\\PC{0,20}",
            splits in prop::collection::vec(0usize..10, 0..4),
        ) {
            let all: Vec<Finding> = xs.iter().enumerate().map(|(i, x)| finding(i, *x, &text)).collect();
            // added in several batches, as rules add theirs
            let mut packed = Packed::new();
            let mut rest = all.clone();
            for s in splits {
                let tail = rest.split_off(s.min(rest.len()));
                packed.extend(rest);
                rest = tail;
            }
            packed.extend(rest);
            prop_assert_eq!(packed.len(), all.len());
            let back = packed.unpack().expect("unpacks");
            prop_assert_eq!(back.len(), all.len());
            for (b, a) in back.iter().zip(&all) {
                prop_assert_eq!(b, a);
                // the exact bits of every number, and the same JSON line
                prop_assert_eq!(b.score.to_bits(), a.score.to_bits());
                prop_assert_eq!(b.to_json_line(), a.to_json_line());
            }
        }
    }

    #[test]
    fn blocks_keep_their_order_and_keys_are_shared() {
        let all: Vec<Finding> = (0..BLOCK * 2 + 5).map(|i| finding(i, i as f64 * 0.1, "x")).collect();
        let mut first = Packed::new();
        first.extend(all[..BLOCK + 1].to_vec());
        let mut second = Packed::new();
        second.extend(all[BLOCK + 1..].to_vec());
        first.append(second);
        assert_eq!(first.blocks.len(), 4, "a block holds at most {BLOCK}: 4096 + 1, then 4096 + 4");
        // what the blocks take, their spare capacity counted, is a fraction of the findings' text
        let text: usize = all.iter().map(|f| f.to_json_line().len()).sum();
        assert!(first.packed_bytes() > 0 && first.packed_bytes() * 4 < text, "{} bytes packed of {text}", first.packed_bytes());
        let back = first.unpack().expect("unpacks");
        assert_eq!(back, all);
        // a key or table read back is one shared copy, not a string per row
        let e = &back[1].evidence[1];
        assert!(matches!(e.table, Key::Borrowed(_)));
        assert!(back[1].thresholds.keys().any(|k| k == "made_1"));
        assert!(Packed::new().unpack().expect("nothing to unpack").is_empty());
    }

    #[test]
    fn many_blocks_unpacked_side_by_side_come_back_in_order() {
        // a block of 1 to 5 findings at a time: more blocks than three rounds unpack
        let round = ROUND_PER_THREAD * rayon::current_num_threads().max(1);
        let all: Vec<Finding> = (0..9 * round + 7).map(|i| finding(i, i as f64, "y")).collect();
        let mut packed = Packed::new();
        let mut rest = all.as_slice();
        let mut n = 0;
        while !rest.is_empty() {
            let k = (n % 5 + 1).min(rest.len());
            packed.extend(rest[..k].to_vec());
            rest = &rest[k..];
            n += 1;
        }
        assert!(packed.blocks.len() > 2 * round, "{} blocks", packed.blocks.len());
        assert_eq!(packed.unpack().expect("unpacks"), all);
    }
}
