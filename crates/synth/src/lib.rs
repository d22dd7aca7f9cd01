//! # bidwatch-synth: a county that never existed, with misconduct we planted
//!
//! Detection can only be measured against known truth, and real bidding records with proven
//! collusion are rare and never complete. This crate generates a realistic county from a seed:
//! projects in the category mix of a real county (72 works, 160 procurement, 64 property, 46 land,
//! 93 e-mall, 24 other per 459), tens of bidders on works and more once bid bonds are waived,
//! valid 统一社会信用代码, prices drawn against a ceiling. Into it go rings that share machines,
//! pricing-software locks, bond accounts, staff, document authors or IPs on some pairs of some
//! projects, price ladders and ceiling clusters, bid rotation, a few statutory violations, and
//! traps that an honest detector must leave alone (a carrier NAT IP that many honest firms share,
//! "Administrator" as document author, sibling firms with one legal representative that never bid
//! together). Every planted item is a row of `truth.csv`.
//!
//! The generator streams: projects are written as they are drawn, so memory holds the firm pool
//! only, and millions of bids cost seconds. The same seed gives the same bytes.

mod clauses;
mod county;
mod names;
mod policy;

pub use county::{generate, GenConfig, GenError, GenStats};
