//! What the expert rules (EXP) share: the score sheets of `evaluations`, the experts' names, and the
//! median used to compare one expert with the others.

use std::collections::HashMap;

use bidwatch_ingest::{frame, Dataset, TableName};
use bidwatch_model::textset::TextSet;

use crate::registry::Context;

/// One row of `evaluations`: one expert's score of one bidder on one criterion. The expert, the
/// bidder and the criterion are numbers into [`Scores::name`]: a county's committees write
/// millions of rows over a few thousand names (48 bytes a row instead of 120).
#[derive(Debug, Clone)]
pub(crate) struct Score {
    pub project: u32,
    pub expert: u32,
    pub bidder: u32,
    /// The criterion's name; a sheet without criteria is one criterion, `""`.
    pub criterion: u32,
    pub score: f64,
    pub max: Option<f64>,
    pub objective: Option<bool>,
    pub row: u32,
}

/// The committees' score sheets, and the names their rows point to.
#[derive(Debug, Default)]
pub(crate) struct Scores {
    pub rows: Vec<Score>,
    names: TextSet,
}

impl Scores {
    /// An expert id, bidder id or criterion of a [`Score`].
    pub fn name(&self, k: u32) -> &str {
        self.names.get(k)
    }
}

pub(crate) fn scores(ds: &Dataset) -> Scores {
    let Some(df) = ds.frame(TableName::Evaluations) else { return Scores::default() };
    let mut names = TextSet::new();
    let mut out = Vec::with_capacity(df.height());
    // A slice of the frame at a time: the columns of 13.5 M rows read whole were 1.3 GB.
    for df in frame::chunks(df, frame::CHUNK_ROWS) {
        let project = frame::keys(&df, "project_id");
        let expert = frame::str_refs(&df, "expert_id");
        let bidder = frame::str_refs(&df, "bidder_id");
        let criterion = frame::str_refs(&df, "criterion");
        let score = frame::f64s(&df, "score");
        let max = frame::f64s(&df, "max_score");
        let objective = frame::bools(&df, "objective");
        let rows = frame::rows32(&df);
        let mut name = |v: &str| names.intern(v);
        out.extend((0..df.height()).filter_map(|i| {
            Some(Score {
                project: project[i]?,
                expert: name(expert[i]?),
                bidder: name(bidder[i]?),
                criterion: name(criterion[i].unwrap_or_default()),
                score: score[i]?,
                max: max[i].filter(|m| *m > 0.0),
                objective: objective[i],
                row: rows[i],
            })
        }));
    }
    Scores { rows: out, names }
}

/// One (project, bidder, criterion) and every expert's score of it.
pub(crate) type Item<'a> = ((usize, &'a str, &'a str), Vec<&'a Score>);

/// The sheets of one project grouped by (bidder, criterion), in a stable order.
pub(crate) fn by_item<'a>(sheets: &'a Scores, scores: impl IntoIterator<Item = &'a Score>) -> Vec<Item<'a>> {
    let mut m: std::collections::BTreeMap<(usize, &str, &str), Vec<&Score>> = std::collections::BTreeMap::new();
    for s in scores {
        m.entry((s.project as usize, sheets.name(s.bidder), sheets.name(s.criterion))).or_default().push(s);
    }
    m.into_iter().collect()
}

/// The experts' names, read once per rule run, to label them in sentences.
pub(crate) struct Names(HashMap<String, String, foldhash::fast::FixedState>);

impl Names {
    pub fn load(ctx: &Context<'_>) -> Names {
        let Some(df) = ctx.ds.frame(TableName::Experts) else { return Names(HashMap::default()) };
        Names(frame::strs(df, "expert_id").into_iter().zip(frame::strs(df, "name")).filter_map(|(i, n)| Some((i?, n?))).collect())
    }

    /// "name (id)" of an expert, or the id when `experts` has no name. ASCII brackets: the same
    /// label stands in the Chinese and the English sentence.
    pub fn label(&self, id: &str) -> String {
        self.0.get(id).map_or_else(|| id.to_owned(), |n| format!("{n} ({id})"))
    }
}

/// The median of a non-empty list (mean of the middle two for an even count).
pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Scores are compared to the cent: 84.995 and 85.0 are the same mark.
pub(crate) fn same_mark(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_lists() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(same_mark(85.0, 84.996));
        assert!(!same_mark(85.0, 84.99));
    }
}
