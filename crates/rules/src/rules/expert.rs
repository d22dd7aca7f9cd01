//! What the expert rules (EXP) share: the score sheets of `evaluations`, the experts' names, and the
//! median used to compare one expert with the others.

use std::collections::HashMap;
use std::sync::OnceLock;

use bidwatch_ingest::{frame, Dataset, TableName};
use bidwatch_model::textset::{memoised, TextSet};

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
    /// Each name's place among the names in text order, sorted on first use: only EXP-003, EXP-004
    /// and EXP-005 ask for it (a parallel sort of some 720,000 names at 10M bids).
    place: OnceLock<Vec<u32>>,
}

/// A name of the score sheets that compares as its text does: its place in text order, then its
/// number. The rules group and order a project's sheets by expert, bidder and criterion; compared
/// as text, each step read two names from memory far apart (a third of EXP-003's time at 10M bids).
pub(crate) type NameKey = (u32, u32);

impl Scores {
    /// An expert id, bidder id or criterion of a [`Score`].
    pub fn name(&self, k: u32) -> &str {
        self.names.get(k)
    }

    /// The key of name `k` that orders as its text ([`NameKey`]).
    pub fn key(&self, k: u32) -> NameKey {
        (self.places()[k as usize], k)
    }

    /// Each name's place in text order, by name number.
    fn places(&self) -> &[u32] {
        self.place.get_or_init(|| places(&self.names))
    }

    /// The name of a [`NameKey`].
    pub fn named(&self, key: NameKey) -> &str {
        self.names.get(key.1)
    }
}

/// Each name's place in text order (the names are distinct, so no two share one).
fn places(names: &TextSet) -> Vec<u32> {
    use rayon::prelude::*;
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.par_sort_unstable_by(|a, b| names.get(*a).cmp(names.get(*b)));
    let mut place = vec![0u32; order.len()];
    for (at, k) in order.into_iter().enumerate() {
        place[k as usize] = at as u32;
    }
    place
}

/// The score sheets, read from `taken` (the `evaluations` columns taken out of the data set, let
/// go of once read) or else from the data set's frame.
pub(crate) fn scores(ds: &Dataset, taken: Option<polars::prelude::DataFrame>) -> Scores {
    let owned;
    let df = match taken {
        Some(t) => {
            owned = t;
            &owned
        }
        None => match ds.frame(TableName::Evaluations) {
            Some(df) => df,
            None => return Scores::default(),
        },
    };
    let mut names = TextSet::new();
    let mut out = Vec::with_capacity(df.height());
    // The text columns read in step with the rows, each cell numbered among `names` only when
    // its row is kept, in the order the row is read: expert, bidder, criterion.
    let (mut expert, mut bidder, mut criterion) = (Cells::of(df, "expert_id"), Cells::of(df, "bidder_id"), Cells::of(df, "criterion"));
    // A slice of the frame at a time: the columns of 13.5 M rows read whole were 1.3 GB.
    for df in frame::chunks(df, frame::CHUNK_ROWS) {
        let project = frame::keys(&df, "project_id");
        let score = frame::f64s(&df, "score");
        let max = frame::f64s(&df, "max_score");
        let objective = frame::bools(&df, "objective");
        let rows = frame::rows32(&df);
        for i in 0..df.height() {
            let (e, b, c) = (expert.next(), bidder.next(), criterion.next());
            let (Some(project), Some(e)) = (project[i], e) else { continue };
            let e = expert.number(e, &mut names);
            let Some(b) = b else { continue };
            let b = bidder.number(b, &mut names);
            let c = criterion.number(c.unwrap_or(Cell::Text("")), &mut names);
            let Some(score) = score[i] else { continue };
            out.push(Score {
                project,
                expert: e,
                bidder: b,
                criterion: c,
                score,
                max: max[i].filter(|m| *m > 0.0),
                objective: objective[i],
                row: rows[i],
            });
        }
    }
    Scores { rows: out, names, place: OnceLock::new() }
}

/// One cell of a text column: a categorical column's code, or a plain column's text.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    Code(u32),
    Text(&'a str),
}

/// A text column of `evaluations` read cell by cell, and the number among the sheets' names of
/// each of its codes. Its 13.5 M cells at 10M bids hold some 720,000 names: a code's text is
/// looked up and numbered the first time the code is met, and the number kept for the code, where
/// every cell's text was hashed and looked up among the names.
struct Cells<'a> {
    cells: Box<dyn Iterator<Item = Option<Cell<'a>>> + 'a>,
    text: Option<frame::CodeText<'a>>,
    /// The number of each code met so far ([`memoised`]).
    number: Vec<u32>,
}

impl<'a> Cells<'a> {
    fn of(df: &'a polars::prelude::DataFrame, name: &str) -> Cells<'a> {
        match frame::codes(df, name) {
            Some((codes, text)) => Cells { cells: Box::new(codes.map(|c| c.map(Cell::Code))), text: Some(text), number: Vec::new() },
            None => Cells { cells: Box::new(frame::str_iter(df, name).map(|t| t.map(Cell::Text))), text: None, number: Vec::new() },
        }
    }

    /// The next row's cell (every row steps every column once).
    fn next(&mut self) -> Option<Cell<'a>> {
        self.cells.next().flatten()
    }

    /// The cell's number among `names`, its text numbered there if it is new.
    fn number(&mut self, cell: Cell<'a>, names: &mut TextSet) -> u32 {
        match (cell, &self.text) {
            (Cell::Text(t), _) => names.intern(t),
            (Cell::Code(code), Some(text)) => memoised(&mut self.number, code as usize, || names.intern(text(code).unwrap_or_default())),
            // a code comes only with its text
            (Cell::Code(_), None) => names.intern(""),
        }
    }
}

/// One (project, bidder, criterion) and every expert's score of it.
pub(crate) type Item<'a> = ((usize, &'a str, &'a str), Vec<&'a Score>);

/// The sheets grouped by (project, bidder, criterion), in that order (bidder and criterion as
/// text), each group's scores in the order given.
pub(crate) fn by_item<'a>(sheets: &'a Scores, scores: impl IntoIterator<Item = &'a Score>) -> Vec<Item<'a>> {
    let place = sheets.places();
    let mut keyed: Vec<((u32, u32, u32), &Score)> =
        scores.into_iter().map(|s| ((s.project, place[s.bidder as usize], place[s.criterion as usize]), s)).collect();
    // stable: a group's scores keep their order
    keyed.sort_by_key(|(key, _)| *key);
    keyed
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| {
            let s = group[0].1;
            ((s.project as usize, sheets.name(s.bidder), sheets.name(s.criterion)), group.iter().map(|(_, s)| *s).collect())
        })
        .collect()
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

    /// Names numbered out of text order ("B2" before "B10", "技术" before "商务"): the groups
    /// still come by project, then bidder and criterion as text, each group's scores as given.
    #[test]
    fn items_are_grouped_and_ordered_by_text_not_by_number() {
        let mut names = TextSet::new();
        let [e1, e2, b2, b10, tech, biz] = ["E1", "E2", "B2", "B10", "技术", "商务"].map(|n| names.intern(n));
        let score = |row: u32, project: u32, expert: u32, bidder: u32, criterion: u32| Score {
            project,
            expert,
            bidder,
            criterion,
            score: f64::from(row),
            max: None,
            objective: None,
            row,
        };
        let rows = vec![
            score(1, 1, e1, b2, tech),
            score(2, 0, e1, b2, tech),
            score(3, 1, e1, b10, biz),
            score(4, 1, e2, b2, tech),
            score(5, 1, e2, b10, tech),
            score(6, 1, e1, b10, tech),
            score(7, 1, e2, b2, biz),
        ];
        let sheets = Scores { rows, names, place: OnceLock::new() };
        let rows_of = |(k, v): Item<'_>| -> ((usize, String, String), Vec<u32>) {
            ((k.0, k.1.to_owned(), k.2.to_owned()), v.iter().map(|s| s.row).collect())
        };
        let items: Vec<_> = by_item(&sheets, sheets.rows.iter()).into_iter().map(rows_of).collect();
        assert_eq!(
            items,
            [
                (0, "B2", "技术", vec![2]),
                (1, "B10", "商务", vec![3]),
                (1, "B10", "技术", vec![5, 6]),
                (1, "B2", "商务", vec![7]),
                (1, "B2", "技术", vec![1, 4]),
            ]
            .map(|(p, b, c, rows)| ((p, b.to_owned(), c.to_owned()), rows))
        );
        // a key orders as its name
        assert!(sheets.key(b10) < sheets.key(b2) && sheets.key(biz) < sheets.key(tech));
        assert_eq!(sheets.named(sheets.key(e2)), "E2");
    }
}
