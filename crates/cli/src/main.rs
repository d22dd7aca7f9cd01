//! `bidwatch`: the command line. It only wires the library crates together.
//!
//! Exit codes (cron-friendly): 0 = ran, nothing found; 1 = ran, findings; 2 = error.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use bidwatch_report::{terminal_summary, write_all, Lang, RunFacts};
use bidwatch_rules::{doc, registry, risk, Catalog};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// mimalloc: millions of small strings are allocated and freed in ingest and linking, where glibc's
/// allocator cost a quarter of the run (docs/performance.md). The floor uses the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc keeps the pages a thread freed for that thread to reuse; between stages of a large run
/// they are given back (`bidwatch_model::mem::trim`), or the next stage's memory is counted on top
/// of the last one's garbage (1.7 GB after the pairs of 10M bids).
#[allow(unsafe_code)]
fn give_back_freed_memory() {
    // SAFETY: `mi_collect` takes no pointer and only walks the calling thread's heap (and the
    // segments abandoned by others), which is what mimalloc's own API promises to do safely from
    // any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// The demo county shipped with the source, for `check --demo`.
const DEMO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/demo");

#[derive(Parser, Debug)]
#[command(name = "bidwatch", version, about = "公共资源交易监管引擎 — supervision engine for public-resource trading")]
struct Cli {
    /// Report language: zh (中文, default) or en.
    #[arg(long, global = true, value_enum, default_value_t = LangArg::Zh)]
    lang: LangArg,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LangArg {
    Zh,
    En,
}

/// What every `eval` reads and writes.
#[derive(Args, Debug)]
struct EvalArgs {
    /// Folder of tables (default: the folder holding the truth file).
    data: Option<PathBuf>,
    /// truth.csv written by `bidwatch gen`.
    #[arg(long)]
    truth: PathBuf,
    /// Where to write the run's outputs and the figures (eval_rings.txt, eval_clauses.txt).
    #[arg(long, default_value = "bidwatch-eval")]
    out: PathBuf,
    /// A bureau's own rules folder instead of the built-in one.
    #[arg(long)]
    rules: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum EvalCommand {
    /// Run the detection on a generated county and score the FCR findings against its planted clauses.
    Clauses(EvalArgs),
    /// Run the detection on a generated county and score the rings against its truth.csv.
    Rings(EvalArgs),
    /// Run the detection on a folder with labels.csv (real, labeled tenders): agreement of the
    /// screens with its screens.csv and the AUC of the risk score and of each single screen.
    Labeled {
        /// Folder of tables with labels.csv (and screens.csv, if published).
        data: PathBuf,
        /// Where to write the run's outputs and eval_labeled.txt.
        #[arg(long, default_value = "bidwatch-eval")]
        out: PathBuf,
        /// A bureau's own rules folder instead of the built-in one.
        #[arg(long)]
        rules: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Nightly batch: ingest a folder, run the rules, write the outputs. Exit 0 clean, 1 findings, 2 error.
    Check {
        /// Folder of tables (projects, bids, …) as CSV, Parquet or XLSX sheets.
        data: Option<PathBuf>,
        /// Run on the built-in demo county (fixtures/demo).
        #[arg(long, conflicts_with = "data")]
        demo: bool,
        /// Where to write findings.jsonl, project_risk.csv, screens.csv, ingest_report.csv, summary.json.
        #[arg(long, default_value = "bidwatch-out")]
        out: PathBuf,
        /// A bureau's own rules folder (catalog.toml and policy.toml) instead of the built-in one.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Worker threads (default: all cores). Output does not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// SQLite file that keeps every run and its findings, to say what is new since the last night.
        #[arg(long, default_value = "bidwatch.db")]
        store: PathBuf,
        /// Write personal identifiers (身份证号, phones, bank accounts) in full; masked by default.
        #[arg(long)]
        unmask: bool,
        /// Keep the findings and project risks of the newest N runs over this data folder (this
        /// one included) and let go of older ones', so that a store written every night stops
        /// growing at the size of N + 1 nights (≈ 1.2 GB a night at 10 M bids). Every run keeps
        /// its row, points and draws. Default: keep everything.
        #[arg(long, value_name = "N")]
        keep_runs: Option<std::num::NonZeroUsize>,
    },
    /// Generate a synthetic county with planted, labelled misconduct (truth.csv).
    Gen {
        /// Output folder.
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 459)]
        projects: usize,
        /// Rings of 3–6 firms.
        #[arg(long, default_value_t = 4)]
        rings: usize,
        /// Add one ring of this many firms (e.g. 28).
        #[arg(long)]
        big_ring: Option<usize>,
        /// Share of works/procurement projects with the bid bond waived.
        #[arg(long, default_value_t = 0.6)]
        bond_waived_share: f64,
        /// Also write every table as Parquet into OUT/parquet (a folder `check` reads the same way).
        #[arg(long)]
        parquet: bool,
    },
    /// Measure detection against known answers (planted rings; labelled tenders).
    Eval {
        #[command(subcommand)]
        what: EvalCommand,
    },
    /// Unannounced inspections: draw projects at random, weighted by the risk of a recorded run.
    Inspect {
        #[command(subcommand)]
        what: InspectCommand,
    },
    /// A report on one project, bidder, expert or agent, a region, or an inspection draw: terminal
    /// table, Markdown, HTML (self-contained, printable) or XLSX (one sheet per table).
    Report {
        #[arg(value_enum)]
        kind: ReportKind,
        /// The project, bidder, expert or agent id; the region's name; the draw's number.
        id: String,
        /// The data folder (default: the one the newest run in the store read; for a draw, its run's).
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long, default_value = "bidwatch.db")]
        store: PathBuf,
        #[arg(long)]
        rules: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write to this file (needed for xlsx; stdout otherwise).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        unmask: bool,
    },
    /// Case files for an investigation: export one ring, bidder or project; verify a folder.
    Case {
        #[command(subcommand)]
        what: CaseCommand,
    },
    /// Explain a rule: what it flags, why, its legal basis and thresholds.
    Rule {
        /// Rule code, e.g. CNT-001.
        code: Option<String>,
        /// Every rule.
        #[arg(long, conflicts_with = "code")]
        all: bool,
        #[arg(long, value_enum, default_value_t = RuleFormat::Text)]
        format: RuleFormat,
        /// Print the docs/rules page (Chinese and English).
        #[arg(long)]
        doc: bool,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportKind {
    Project,
    Bidder,
    Expert,
    Agent,
    Region,
    Draw,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Md,
    Html,
    Xlsx,
}

#[derive(Debug, Subcommand)]
enum CaseCommand {
    /// Write a case folder: summary.md/.html, findings.json, evidence/*.csv (the cited source rows),
    /// graph.dot/.svg and MANIFEST.sha256. ID is a ring (RING-…), a bidder or a project id.
    Export {
        id: String,
        /// The data folder (default: the one the newest run in the store read).
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "bidwatch.db")]
        store: PathBuf,
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Write personal identifiers in full (the manifest records it).
        #[arg(long)]
        unmask: bool,
    },
    /// Check a case folder against its MANIFEST.sha256. Exit 0 intact, 1 changed, 2 unreadable.
    Verify { dir: PathBuf },
    /// Show a case's status and history, or record a change (open, under_review, referred, closed).
    Status {
        id: String,
        #[arg(long)]
        set: Option<String>,
        /// Who made the change (required with --set).
        #[arg(long)]
        by: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long, default_value = "bidwatch.db")]
        store: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum InspectCommand {
    /// Draw N projects for an unannounced inspection, each with a chance that grows with its risk
    /// (risk + 0.05), from the newest run in the store (or --run). The same run and seed give the
    /// same draw; the draw is recorded in the store.
    Draw {
        /// How many projects.
        #[arg(long)]
        n: usize,
        /// Only projects of this trading category (engineering, procurement, property, land, mall, other).
        #[arg(long)]
        category: Option<String>,
        /// Seed of the draw (printed; by default taken from the clock).
        #[arg(long)]
        seed: Option<u64>,
        /// The run whose risks are drawn from (default: the newest).
        #[arg(long)]
        run: Option<i64>,
        #[arg(long, default_value = "bidwatch.db")]
        store: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RuleFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    bidwatch_model::mem::set_trim(give_back_freed_memory);
    // On a terminal a spinner shows the stage; otherwise (cron, a pipe) each stage is a log line.
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let default_filter = if tty { "warn" } else { "warn,bidwatch::stage=info" };
    tracing_subscriber::fmt()
        .with_ansi(tty)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("BIDWATCH_LOG").unwrap_or_else(|_| default_filter.into()))
        .with_writer(std::io::stderr)
        .init();
    let lang = match cli.lang {
        LangArg::Zh => Lang::Zh,
        LangArg::En => Lang::En,
    };
    match run(cli.command, lang) {
        Ok(code) => code,
        Err(e) => {
            let label = if lang.zh() { "错误" } else { "error" };
            eprintln!("{label}: {}", error_chain(&e));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes, each said once: most of our errors already name their cause (“path:
/// cannot write: os error”), and the chain would repeat it.
fn error_chain(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}

fn catalog(rules: Option<&Path>) -> Result<Catalog> {
    Ok(match rules {
        Some(dir) => Catalog::from_dir(dir)?,
        None => Catalog::builtin()?,
    })
}

fn run(command: Command, lang: Lang) -> Result<ExitCode> {
    match command {
        Command::Check { data, demo, out, rules, threads, store, unmask, keep_runs } => {
            let data = match (data, demo) {
                (Some(d), _) => d,
                (None, true) => std::fs::canonicalize(DEMO_DIR).unwrap_or_else(|_| PathBuf::from(DEMO_DIR)),
                (None, false) => {
                    bail!("give a data folder, or --demo for the built-in demo county")
                }
            };
            if let Some(n) = threads {
                // polars reads this when its pool starts (on first use, after this line).
                std::env::set_var("POLARS_MAX_THREADS", n.max(1).to_string());
                rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global().context("thread pool")?;
            }
            check(&data, &out, rules.as_deref(), &store, lang, unmask, keep_runs)
        }
        Command::Report { kind, id, data, store, rules, format, out, unmask } => {
            report(kind, &id, data.as_deref(), &store, rules.as_deref(), format, out.as_deref(), unmask, lang)
        }
        Command::Case { what: CaseCommand::Export { id, data, out, store, rules, unmask } } => {
            case_export(&id, data.as_deref(), &out, &store, rules.as_deref(), unmask, lang)
        }
        Command::Case { what: CaseCommand::Verify { dir } } => case_verify(&dir, lang),
        Command::Case { what: CaseCommand::Status { id, set, by, note, store } } => {
            case_status(&id, set.as_deref(), by.as_deref(), &note, &store, lang)
        }
        Command::Inspect { what: InspectCommand::Draw { n, category, seed, run, store } } => {
            inspect_draw(&store, n, category.as_deref(), seed, run, lang)
        }
        Command::Eval { what: EvalCommand::Rings(a) } => eval_rings(a.data.as_deref(), &a.truth, &a.out, a.rules.as_deref()),
        Command::Eval { what: EvalCommand::Clauses(a) } => eval_clauses(a.data.as_deref(), &a.truth, &a.out, a.rules.as_deref()),
        Command::Eval { what: EvalCommand::Labeled { data, out, rules } } => eval_labeled(&data, &out, rules.as_deref()),
        Command::Gen { out, seed, projects, rings, big_ring, bond_waived_share, parquet } => {
            let cfg = bidwatch_synth::GenConfig {
                seed,
                projects,
                rings,
                big_ring,
                bond_waived_share: bond_waived_share.clamp(0.0, 1.0),
                ..bidwatch_synth::GenConfig::default()
            };
            let t = Instant::now();
            let stats = bidwatch_synth::generate(&cfg, &out)?;
            if parquet {
                let dir = out.join("parquet");
                std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
                let mut tables: Vec<PathBuf> = std::fs::read_dir(&out)?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "csv") && !p.ends_with("truth.csv"))
                    .collect();
                tables.sort();
                for csv in tables {
                    let name = csv.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    bidwatch_ingest::read::csv_to_parquet(&csv, &dir.join(format!("{name}.parquet")))?;
                }
            }
            let (dir, secs) = (out.display(), t.elapsed().as_secs_f64());
            let (p, b, f, r, tr) = (stats.projects, stats.bids, stats.bidders, stats.rings, stats.truth_rows);
            if lang.zh() {
                println!(
                    "已生成 {dir}：{p} 个项目、{b} 条投标、{f} 家投标人、{r} 个围标团伙，truth.csv {tr} 行（种子 {seed}，{secs:.1} 秒）"
                );
            } else {
                println!("generated {dir}: {p} projects, {b} bids, {f} bidders, {r} rings, {tr} truth rows (seed {seed}, {secs:.1} s)");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rule { code, all, format, doc: as_doc, rules } => {
            let catalog = catalog(rules.as_deref())?;
            let reg = registry();
            let selected: Vec<_> = if all {
                reg.iter().collect()
            } else {
                let Some(code) = code else { bail!("give a rule code (e.g. CNT-001) or --all") };
                let code = code.trim().to_ascii_uppercase();
                let found: Vec<_> = reg.iter().filter(|r| r.code().to_string() == code).collect();
                if found.is_empty() {
                    let known = reg.iter().map(|r| r.code().to_string()).collect::<Vec<_>>().join(", ");
                    bail!("no rule {code} (known: {known})");
                }
                found
            };
            let mut stdout = std::io::stdout().lock();
            match format {
                RuleFormat::Json => {
                    let records: Vec<serde_json::Value> = selected
                        .iter()
                        .filter_map(|r| catalog.record(r.code()).map(|rec| (r, rec)))
                        .map(|(r, rec)| {
                            let thresholds: serde_json::Map<String, serde_json::Value> = r
                                .thresholds()
                                .iter()
                                .map(|t| (t.key.to_owned(), serde_json::json!({"default": t.default, "zh": t.zh, "en": t.en})))
                                .collect();
                            serde_json::json!({
                                "code": rec.code.to_string(), "name_zh": rec.name_zh, "name_en": rec.name_en,
                                "severity": rec.severity, "subject": rec.subject, "since": rec.since, "tables": rec.tables,
                                "basis": {"instrument": rec.basis_instrument, "article": rec.basis_article, "quote": rec.basis_quote},
                                "thresholds": thresholds,
                            })
                        })
                        .collect();
                    writeln!(stdout, "{}", serde_json::to_string_pretty(&records)?)?;
                }
                RuleFormat::Text => {
                    for r in selected {
                        let rec = catalog.record(r.code()).context("rule without a record")?;
                        let text = if as_doc {
                            doc::docs_page(rec, r.as_ref(), &catalog.policy)
                        } else {
                            doc::render(rec, r.as_ref(), &catalog.policy, lang.zh())
                        };
                        write!(stdout, "{text}")?;
                        if all && !as_doc {
                            writeln!(stdout)?;
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What one detection run without the store gives an evaluation.
struct Detected {
    ds: bidwatch_ingest::Dataset,
    run: bidwatch_rules::RunOutput,
    risk: Vec<risk::ProjectRisk>,
}

/// Ingest, rules and risk, with the outputs written to `out` (no store).
fn detect(data: &Path, out: &Path, catalog: &Catalog) -> Result<Detected> {
    let ds = bidwatch_ingest::load(data)?;
    let run = bidwatch_rules::run(&ds, catalog);
    let risk = risk::project_risk(&ds, &run.findings, &run.tender_risk, &catalog.policy, true);
    let facts = RunFacts { risk, timings_ms: Vec::new(), rules_origin: catalog.origin.clone(), unmask: false };
    write_all(out, &ds, &run, &facts)?;
    Ok(Detected { ds, run, risk: facts.risk })
}

fn eval_labeled(data: &Path, out: &Path, rules: Option<&Path>) -> Result<ExitCode> {
    use bidwatch_eval::labeled;
    let catalog = catalog(rules)?;
    let lab = labeled::Labeled::read(data)?;
    let d = detect(data, out, &catalog)?;
    let risk: std::collections::HashMap<&str, &risk::ProjectRisk> = d.risk.iter().map(|r| (r.project_id.as_str(), r)).collect();
    let mut tenders = std::collections::BTreeMap::new();
    for (k, s) in d.run.screens.by_project.iter().enumerate() {
        let id = d.ds.projects.resolve(k as u32).unwrap_or_default();
        let screens = labeled::SCREENS
            .iter()
            .map(|(name, _)| {
                let v = bidwatch_rules::tender_risk::Screen::parse(name).and_then(|x| x.value(s));
                (*name, v)
            })
            .collect();
        let r = risk.get(id);
        tenders.insert(
            id.to_owned(),
            labeled::Tender { n_bids: s.n_bids, screens, risk: r.map_or(0.0, |r| r.risk), tender_risk: r.and_then(|r| r.tender_risk) },
        );
    }
    let name = data.display().to_string();
    let score = labeled::score(&lab, &tenders);
    let text = labeled::render(&name, &score);
    std::fs::write(out.join("eval_labeled.txt"), &text).with_context(|| out.join("eval_labeled.txt").display().to_string())?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn data_of(data: Option<&Path>, truth: &Path) -> PathBuf {
    match data {
        Some(d) => d.to_owned(),
        None => truth.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned(),
    }
}

fn eval_clauses(data: Option<&Path>, truth: &Path, out: &Path, rules: Option<&Path>) -> Result<ExitCode> {
    let catalog = catalog(rules)?;
    let t = bidwatch_eval::clauses::read_truth(truth)?;
    let d = detect(&data_of(data, truth), out, &catalog)?;
    let clauses = d.ds.table(bidwatch_ingest::TableName::Clauses).map_or(0, |t| t.rows_kept);
    let text = bidwatch_eval::clauses::render(&bidwatch_eval::clauses::score(&t, &d.run.findings, clauses));
    std::fs::write(out.join("eval_clauses.txt"), &text).with_context(|| out.join("eval_clauses.txt").display().to_string())?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn eval_rings(data: Option<&Path>, truth: &Path, out: &Path, rules: Option<&Path>) -> Result<ExitCode> {
    let catalog = catalog(rules)?;
    let t = bidwatch_eval::rings::Truth::read(truth)?;
    let d = detect(&data_of(data, truth), out, &catalog)?;
    let score = bidwatch_eval::rings::score(&t, &d.run.findings);
    let text = bidwatch_eval::rings::render(&score);
    std::fs::write(out.join("eval_rings.txt"), &text).with_context(|| out.join("eval_rings.txt").display().to_string())?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The stage of a long run: a spinner on a terminal, a log line (`bidwatch::stage`) otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    zh: bool,
    started: Instant,
}

impl Progress {
    fn new(zh: bool) -> Progress {
        let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Progress { bar, zh, started: Instant::now() }
    }

    fn stage(&self, zh: &str, en: &str) {
        let msg = if self.zh { zh } else { en };
        match &self.bar {
            Some(b) => b.set_message(msg.to_owned()),
            None => {
                let (rss_mib, peak_mib) = bidwatch_model::mem::rss_mib().unwrap_or_default();
                tracing::info!(target: "bidwatch::stage", elapsed_ms = self.started.elapsed().as_millis() as u64, rss_mib, peak_mib, "{msg}")
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn check(
    data: &Path,
    out: &Path,
    rules: Option<&Path>,
    store: &Path,
    lang: Lang,
    unmask: bool,
    keep_runs: Option<std::num::NonZeroUsize>,
) -> Result<ExitCode> {
    let catalog = catalog(rules)?;
    let started_at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut db = bidwatch_store::Store::open(store)?;
    let progress = Progress::new(lang.zh());
    let mut timings = Vec::new();
    let t = Instant::now();
    progress.stage("读入数据", "reading the data");
    let mut ds = bidwatch_ingest::load(data)?;
    timings.push(("ingest".to_owned(), t.elapsed().as_millis() as u64));
    // The input's fingerprint (BLAKE3 of every file: ≈ 2 s at 10M bids) is taken on a thread of its
    // own while the rules run, from the files ingest has just read (still in the page cache), not
    // at the end of the run.
    let fingerprint = {
        let data = data.to_owned();
        std::thread::spawn(move || input_fingerprint(&data))
    };
    let t = Instant::now();
    progress.stage("运行规则", "running the rules");
    // Nothing `check` writes after the rules cites the bids' identifiers (the findings carry the
    // values they name): they are let go once linked.
    let run = bidwatch_rules::run_releasing(&mut ds, &catalog);
    timings.push(("rules".to_owned(), t.elapsed().as_millis() as u64));
    let t = Instant::now();
    progress.stage("计算项目风险", "scoring the projects");
    let record = bidwatch_store::RunRecord {
        started_at,
        data: std::fs::canonicalize(data).unwrap_or_else(|_| data.to_owned()).display().to_string(),
        input_fingerprint: fingerprint.join().map_err(|_| anyhow::anyhow!("fingerprinting {} failed", data.display()))??,
        rule_set: format!("{} / {}", catalog.origin, rules_fingerprint(&catalog)),
        rows_read: ds.rows_read(),
        rows_set_aside: ds.report.rows_set_aside(),
    };
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "input fingerprinted");
    // The projects' risks are worked out, then the outputs written, on a thread of their own
    // while the store takes the findings (neither reads the other; at 10M bids the risks take
    // ≈ 3 s of one core, the outputs ≈ 9 s and the findings' inserts ≈ 12 s). The store takes the
    // risks and the points when they are ready, and commits only once the outputs are written: a
    // run whose outputs failed is not recorded.
    let (written, changes) = std::thread::scope(|s| {
        let (hand, handed) = std::sync::mpsc::sync_channel(1);
        let (ds, run, progress, catalog) = (&ds, &run, &progress, &catalog);
        let mut outputs = Some(s.spawn(move || {
            let risk = risk::project_risk(ds, &run.findings, &run.tender_risk, &catalog.policy, lang == Lang::Zh);
            timings.push(("risk".to_owned(), t.elapsed().as_millis() as u64));
            let facts = RunFacts { risk, timings_ms: timings, rules_origin: catalog.origin.clone(), unmask };
            // a store stopped at an error takes them no more
            let _ = hand.send((risk_candidates(ds, &facts.risk), point_rows(ds, &run.findings)));
            drop(hand);
            progress.stage("写出结果并记录本次运行", "writing the outputs and recording the run");
            let r = write_all(out, ds, run, &facts).map_err(anyhow::Error::from);
            tracing::info!(ms = t.elapsed().as_millis() as u64, "outputs written");
            r
        }));
        let written_by = |h: std::thread::ScopedJoinHandle<'_, Result<()>>| {
            h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("writing the outputs to {} failed", out.display())))
        };
        let mut written = None;
        // nothing handed (the thread failed first): the store is left as it was
        let changes = db.record_if(
            &record,
            &run.findings,
            move || handed.recv().ok(),
            || {
                let r = outputs.take().map_or(Ok(()), written_by);
                let ok = r.is_ok();
                written = Some(r);
                ok
            },
        );
        // the store failed before it asked: the outputs are still waited for, and their error kept
        if let Some(h) = outputs.take() {
            written = Some(written_by(h));
        }
        (written, changes)
    });
    // the outputs' error first: the store was left as it was because of it
    if let Some(Err(e)) = written {
        return Err(e);
    }
    let changes = changes?.context("the run was not recorded")?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, findings = run.findings.len(), "run recorded");
    // The night is recorded by now: a store that cannot let go of older runs (locked by a reader
    // past the timeout) is said, and tried again the next night, not made the night's failure.
    let pruned = keep_runs.and_then(|keep| {
        let t = Instant::now();
        let at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
        match db.prune(&record.data, keep, &at) {
            Ok(pruned) => {
                tracing::info!(ms = t.elapsed().as_millis() as u64, runs = pruned.len(), "earlier runs pruned");
                Some((keep, pruned))
            }
            Err(e) => {
                tracing::warn!(error = %e, "earlier runs not let go (--keep-runs); the next night tries again");
                None
            }
        }
    });
    progress.finish();
    print!("{}", terminal_summary(&ds, &run, &catalog, lang, &out.display().to_string()));
    let history = match (changes.previous_run, lang.zh()) {
        (None, true) => format!("  运行记录 #{}（{}）：首次运行", changes.run_id, store.display()),
        (None, false) => format!("  run #{} in {}: first run", changes.run_id, store.display()),
        (Some(p), true) if changes.new == 0 && changes.gone == 0 => {
            format!(
                "  运行记录 #{}：与上次（#{p}）相比无新增、无消失{}",
                changes.run_id,
                if changes.same_input { "（输入数据相同）" } else { "" }
            )
        }
        (Some(p), false) if changes.new == 0 && changes.gone == 0 => {
            format!(
                "  run #{}: nothing new or gone since run #{p}{}",
                changes.run_id,
                if changes.same_input { " (same input)" } else { "" }
            )
        }
        (Some(p), true) => format!("  运行记录 #{}：与上次（#{p}）相比新增 {} 条、消失 {} 条", changes.run_id, changes.new, changes.gone),
        (Some(p), false) => format!("  run #{}: {} new, {} gone since run #{p}", changes.run_id, changes.new, changes.gone),
    };
    println!("{history}");
    if let Some((keep, pruned)) = &pruned {
        if let (Some(first), Some(last)) = (pruned.first(), pruned.last()) {
            let n = pruned.len();
            let runs = if first == last { format!("#{first}") } else { format!("#{first}–#{last}") };
            if lang.zh() {
                println!("  已释放较早的 {n} 次运行（{runs}）的发现与项目风险，保留最近 {keep} 次（--keep-runs）");
            } else {
                println!("  findings and project risks of {n} earlier run(s) ({runs}) let go; the newest {keep} kept (--keep-runs)");
            }
        }
    }
    if changes.previous_run.is_some() {
        print!("{}", what_changed(&run.findings, &changes, lang.zh(), unmask));
    }
    print!("{}", crossed_levels(&run.findings, &changes.new_at, lang.zh(), changes.previous_run.is_some()));
    let code = if run.findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) };
    // the store is closed as usual (its write-ahead log is merged back on close)
    leave_to_exit((ds, run));
    Ok(code)
}

/// Leaves what a command read and found to the system as the process exits, not freed one
/// allocation at a time: at 10M bids that was 4–5 s of one core after `check` had recorded its
/// run, the last thing the user waited for (polars' id mappings, 852,504 findings). Only for what
/// the command no longer reads; files and the store are closed as usual.
fn leave_to_exit<T>(held: T) {
    std::mem::forget(held);
}

/// The findings new since the previous run, those gone and those whose severity changed, ten of
/// each at most (all of them are in the store and in findings.jsonl).
fn what_changed(findings: &[bidwatch_model::Finding], changes: &bidwatch_store::Changes, zh: bool, unmask: bool) -> String {
    use std::fmt::Write;
    const SHOWN: usize = 10;
    let mut out = String::new();
    let line = |out: &mut String, f: &bidwatch_model::Finding, tail: String| {
        let f = if unmask { std::borrow::Cow::Borrowed(f) } else { bidwatch_report::outputs::masked(f) };
        let _ = writeln!(out, "      {} {}{tail}", f.code, f.message.get(zh));
    };
    let new: Vec<&bidwatch_model::Finding> = changes.new_at.iter().filter_map(|&i| findings.get(i)).collect();
    // the findings gone: counted in full, the first few read back from the store
    for (list, n, zh_h, en_h) in
        [(new, changes.new_at.len(), "新增", "new"), (changes.gone_findings.iter().collect(), changes.gone, "消失", "gone")]
    {
        if n == 0 {
            continue;
        }
        let _ = if zh { writeln!(out, "    {zh_h}（{n}）：") } else { writeln!(out, "    {en_h} ({n}):") };
        for f in list.iter().take(SHOWN) {
            line(&mut out, f, String::new());
        }
        if n > SHOWN {
            let more = n - SHOWN;
            let _ = writeln!(out, "      {}", if zh { format!("……另有 {more} 条") } else { format!("… and {more} more") });
        }
    }
    if !changes.changed.is_empty() {
        let n = changes.changed.len();
        let _ = if zh { writeln!(out, "    严重程度变化（{n}）：") } else { writeln!(out, "    severity changed ({n}):") };
        for (f, old) in changes.changed.iter().take(SHOWN).filter_map(|(i, old)| Some((findings.get(*i)?, old))) {
            let old =
                bidwatch_model::Severity::ALL.iter().find(|s| s.as_str() == old).map_or_else(|| old.clone(), |s| s.label(zh).to_owned());
            let now = f.severity.label(zh);
            line(&mut out, f, if zh { format!("（{old} → {now}）") } else { format!(" ({old} → {now})") });
        }
    }
    out
}

/// The points a run keeps: the bureau's ledger as read, and the deductions this run's findings
/// propose (bidders, experts and agents; status `proposed` until the bureau records them).
fn point_rows(ds: &bidwatch_ingest::Dataset, findings: &[bidwatch_model::Finding]) -> Vec<bidwatch_store::PointRow> {
    use bidwatch_ingest::frame;
    let mut out = Vec::new();
    if let Some(df) = ds.frame(bidwatch_ingest::TableName::Ledger) {
        let (k, id, code, pts, at, st) = (
            frame::strs(df, "subject_kind"),
            frame::strs(df, "subject_id"),
            frame::strs(df, "rule_code"),
            frame::f64s(df, "points"),
            frame::i64s(df, "occurred_at"),
            frame::strs(df, "status"),
        );
        for i in 0..df.height() {
            if let (Some(k), Some(id), Some(code), Some(p)) = (&k[i], &id[i], &code[i], pts[i]) {
                out.push(bidwatch_store::PointRow {
                    source: "ledger".into(),
                    subject_kind: k.clone(),
                    subject_id: id.clone(),
                    rule_code: code.clone(),
                    points: p,
                    occurred_at: at[i].map(frame::fmt_millis),
                    status: st[i].clone().unwrap_or_else(|| "effective".into()),
                    project_id: None,
                });
            }
        }
    }
    for f in findings {
        let (Some(p), true) = (
            f.points,
            matches!(
                f.subject.kind,
                bidwatch_model::SubjectKind::Bidder | bidwatch_model::SubjectKind::Expert | bidwatch_model::SubjectKind::Agent
            ),
        ) else {
            continue;
        };
        out.push(bidwatch_store::PointRow {
            source: "proposed".into(),
            subject_kind: f.subject.kind.as_str().into(),
            subject_id: f.subject.id.clone(),
            rule_code: f.code.to_string(),
            points: p,
            occurred_at: None,
            status: "proposed".into(),
            project_id: f.project_id.clone(),
        });
    }
    out
}

/// Every project's risk with its category and what drove it, as the store keeps it for draws.
fn risk_candidates(ds: &bidwatch_ingest::Dataset, risk: &[bidwatch_rules::risk::ProjectRisk]) -> Vec<bidwatch_store::draw::Candidate> {
    use bidwatch_ingest::frame;
    // Each project's category by its key (a later row's category over an earlier one's), read in
    // place: a map of every project's owned id and category took 85–125 ms at 1M bids (91,157
    // projects), on the path of the store's write.
    let mut category: Vec<Option<&str>> = vec![None; ds.projects.len()];
    if let Some(df) = ds.frame(bidwatch_ingest::TableName::Projects) {
        for (k, c) in frame::key_iter(df, "project_id").zip(frame::str_iter(df, "category")) {
            if let (Some(slot), Some(c)) = (k.and_then(|k| category.get_mut(k as usize)), c) {
                *slot = Some(c);
            }
        }
    }
    risk.iter()
        .map(|r| bidwatch_store::draw::Candidate {
            project_id: r.project_id.clone(),
            category: ds.projects.get(&r.project_id).and_then(|k| category.get(k as usize).copied().flatten()).map(str::to_owned),
            risk: r.risk,
            drivers: r.drivers.iter().chain(&r.codes).map(String::as_str).collect::<Vec<_>>().join(";"),
        })
        .collect()
}

/// `report`: builds the document from the data (re-running the rules) and renders it.
#[allow(clippy::too_many_arguments)]
fn report(
    kind: ReportKind,
    id: &str,
    data: Option<&Path>,
    store: &Path,
    rules: Option<&Path>,
    format: ReportFormat,
    out: Option<&Path>,
    unmask: bool,
    lang: Lang,
) -> Result<ExitCode> {
    let zh = lang.zh();
    // a draw names its run, and so its data folder
    let drawn = match kind {
        ReportKind::Draw => {
            let n: i64 = id.parse().with_context(|| format!("a draw is named by its number, not {id:?}"))?;
            Some(bidwatch_store::Store::open(store)?.draw(n)?.with_context(|| format!("{}: no draw #{n}", store.display()))?)
        }
        _ => None,
    };
    let data = match data {
        Some(d) => d.to_owned(),
        None => data_of_run(store, drawn.as_ref().map(|d| d.0))?,
    };
    let catalog = catalog(rules)?;
    let mut ds = bidwatch_ingest::load(&data)?;
    // A report cites no bid's identifiers (its findings carry the values they name): they are let
    // go once linked, as in `check`. A case file prints them, and keeps them.
    let run = bidwatch_rules::run_releasing(&mut ds, &catalog);
    let risk = risk::project_risk(&ds, &run.findings, &run.tender_risk, &catalog.policy, zh);
    let src = bidwatch_report::reports::Sources { ds: &ds, run: &run, risk: &risk, zh, unmask };
    let doc = match kind {
        ReportKind::Project => src.project(id),
        ReportKind::Bidder => src.bidder(id),
        ReportKind::Expert => src.expert(id),
        ReportKind::Agent => src.agent(id),
        ReportKind::Region => src.region(id),
        ReportKind::Draw => drawn.map(|(run_id, seed, ids)| {
            let title = if zh {
                format!("联合检查：随机抽查 #{id}（运行记录 #{run_id}，种子 {seed}）")
            } else {
                format!("Joint inspection: draw #{id} (run #{run_id}, seed {seed})")
            };
            src.projects(title, &ids)
        }),
    };
    let doc = doc.with_context(|| format!("{id}: not in {}", data.display()))?;
    let bytes = match format {
        ReportFormat::Text => doc.text().into_bytes(),
        ReportFormat::Md => doc.markdown().into_bytes(),
        ReportFormat::Html => doc.html().into_bytes(),
        ReportFormat::Xlsx => doc.xlsx().context("writing the workbook")?,
    };
    match out {
        Some(p) => std::fs::write(p, &bytes).with_context(|| p.display().to_string())?,
        None if matches!(format, ReportFormat::Xlsx) => bail!("an XLSX report needs --out FILE"),
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    leave_to_exit((ds, run, risk));
    Ok(ExitCode::SUCCESS)
}

/// The data folder a recorded run read (the newest run when none is named).
fn data_of_run(store: &Path, run: Option<i64>) -> Result<PathBuf> {
    let db = bidwatch_store::Store::open(store)?;
    let run = match run {
        Some(r) => r,
        None => db.latest_run(None)?.with_context(|| format!("{}: no run recorded; give --data", store.display()))?,
    };
    Ok(PathBuf::from(db.run_data(run)?.with_context(|| format!("run #{run} has no data folder"))?))
}

/// `case export`: re-runs the rules on the data and writes the case folder of one subject.
fn case_export(
    id: &str,
    data: Option<&Path>,
    out: &Path,
    store: &Path,
    rules: Option<&Path>,
    unmask: bool,
    lang: Lang,
) -> Result<ExitCode> {
    let data = match data {
        Some(d) => d.to_owned(),
        None => data_of_run(store, None)?,
    };
    let catalog = catalog(rules)?;
    let ds = bidwatch_ingest::load(&data)?;
    let run = bidwatch_rules::run(&ds, &catalog);
    let (subject, findings) = bidwatch_report::case::select(id, &run.findings)?;
    let files = bidwatch_report::case::export(out, &ds, &catalog, &subject, &findings, unmask, lang.zh())?;
    // the case opens in the store the first time it is exported
    if store.exists() {
        let mut db = bidwatch_store::Store::open(store)?;
        if db.case_history(id)?.is_empty() {
            let at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
            let by = std::env::var("USER").unwrap_or_else(|_| "bidwatch".into());
            db.set_case_status(
                id,
                &bidwatch_store::CaseChange { status: "open".into(), at, by, note: format!("exported to {}", out.display()) },
            )?;
        }
    }
    if lang.zh() {
        println!(
            "已导出案卷 {}：{} 条发现，{} 个文件（个人身份信息{}），校验：bidwatch case verify {}",
            out.display(),
            findings.len(),
            files.len(),
            if unmask { "未脱敏" } else { "已脱敏" },
            out.display()
        );
    } else {
        println!(
            "case file {}: {} findings, {} files (personal identifiers {}); check it with: bidwatch case verify {}",
            out.display(),
            findings.len(),
            files.len(),
            if unmask { "unmasked" } else { "masked" },
            out.display()
        );
    }
    drop((subject, findings));
    leave_to_exit((ds, run));
    Ok(ExitCode::SUCCESS)
}

/// The label of a case status.
fn status_label(s: &str, zh: bool) -> &str {
    match (s, zh) {
        ("open", true) => "待处理",
        ("under_review", true) => "核查中",
        ("referred", true) => "已移交",
        ("closed", true) => "已结案",
        (x, _) => x,
    }
}

/// `case status`: print a case's history, or record a change.
fn case_status(id: &str, set: Option<&str>, by: Option<&str>, note: &str, store: &Path, lang: Lang) -> Result<ExitCode> {
    let zh = lang.zh();
    let mut db = bidwatch_store::Store::open(store)?;
    if let Some(status) = set {
        let by = by.context("--set needs --by: who made the change")?;
        let at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
        db.set_case_status(id, &bidwatch_store::CaseChange { status: status.to_owned(), at, by: by.to_owned(), note: note.to_owned() })?;
    }
    let history = db.case_history(id)?;
    let Some(now) = history.last() else {
        bail!("{id}: no case recorded in {} (a case opens with `bidwatch case export`)", store.display());
    };
    if zh {
        println!("案卷 {id}：{}（{}，{}）", status_label(&now.status, zh), now.at, now.by);
    } else {
        println!("case {id}: {} ({}, {})", status_label(&now.status, zh), now.at, now.by);
    }
    for c in &history {
        println!("  {}  {:<6}  {}  {}", c.at, status_label(&c.status, zh), c.by, c.note);
    }
    Ok(ExitCode::SUCCESS)
}

/// `case verify`: 0 intact, 1 changed (the file is named), 2 unreadable.
fn case_verify(dir: &Path, lang: Lang) -> Result<ExitCode> {
    match bidwatch_report::case::verify(dir) {
        Ok(n) => {
            if lang.zh() {
                println!("{}：{n} 个文件与清单一致", dir.display());
            } else {
                println!("{}: {n} files match the manifest", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ bidwatch_report::case::CaseError::Manifest { .. }) => {
            eprintln!("{}: {e}", if lang.zh() { "校验失败" } else { "verification failed" });
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

/// `inspect draw`: a weighted, reproducible draw from a recorded run, printed and recorded.
fn inspect_draw(store: &Path, n: usize, category: Option<&str>, seed: Option<u64>, run: Option<i64>, lang: Lang) -> Result<ExitCode> {
    let zh = lang.zh();
    if !store.exists() {
        bail!("{}: no store here; run `bidwatch check` first (it records every project's risk)", store.display());
    }
    let mut db = bidwatch_store::Store::open(store)?;
    let Some(run_id) = (match run {
        Some(r) => Some(r),
        None => db.latest_run(None)?,
    }) else {
        bail!("{}: no run recorded yet; run `bidwatch check` first", store.display())
    };
    let pool: Vec<_> = db.risks(run_id)?.into_iter().filter(|c| category.is_none_or(|k| c.category.as_deref() == Some(k))).collect();
    if pool.is_empty() {
        if let Some(at) = db.pruned_at(run_id)? {
            bail!("run #{run_id} in {}: its project risks were let go on {at} (check --keep-runs); draw from a newer run", store.display());
        }
        bail!(
            "run #{run_id} in {} has no project{} to draw from",
            store.display(),
            category.map(|c| format!(" of category {c}")).unwrap_or_default()
        );
    }
    let seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64 % 1_000_000_000).unwrap_or(0)
    });
    let drawn = bidwatch_store::draw::weighted_draw(&pool, n, seed, 0.05);
    let at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let id = db.record_draw(run_id, &at, seed, n, category, &drawn)?;
    let scope = category.map(|c| bidwatch_rules::rules::category_label(c, zh).to_owned());
    if zh {
        println!(
            "随机抽查 #{id}：从运行记录 #{run_id} 的 {} 个{}项目中按风险加权抽取 {} 个（种子 {seed}；同一运行记录和种子得到同一结果）",
            pool.len(),
            scope.map(|s| format!("「{s}」")).unwrap_or_default(),
            drawn.len()
        );
        println!("  {:<4} {:<22} {:<10} {:>6}  依据", "序号", "项目编号", "交易类型", "风险");
    } else {
        println!(
            "inspection draw #{id}: {} of {} {}projects of run #{run_id}, weighted by risk (seed {seed}; the same run and seed give the same draw)",
            drawn.len(),
            pool.len(),
            scope.map(|s| format!("{s} ")).unwrap_or_default()
        );
        println!("  {:<4} {:<22} {:<12} {:>6}  drivers", "#", "project", "category", "risk");
    }
    for (i, c) in drawn.iter().enumerate() {
        let cat = c.category.as_deref().map(|k| bidwatch_rules::rules::category_label(k, zh)).unwrap_or("");
        println!("  {:<4} {:<22} {:<10} {:>6.3}  {}", i + 1, c.project_id, cat, c.risk, c.drivers);
    }
    Ok(ExitCode::SUCCESS)
}

/// Who reached a notice or suspension level since the previous run, by subject kind: the findings
/// of the level rules (POL-002 crossings and proposed deductions, POL-003, EXP-007, AGT-005) that the
/// previous run did not have.
fn crossed_levels(findings: &[bidwatch_model::Finding], new_at: &[usize], zh: bool, had_previous: bool) -> String {
    use bidwatch_model::SubjectKind;
    use std::fmt::Write;
    let level = |f: &&bidwatch_model::Finding| match f.code.to_string().as_str() {
        "POL-002" => f.thresholds.contains_key("level") || f.thresholds.contains_key("proposed_points"),
        "POL-003" | "EXP-007" | "AGT-005" => true,
        _ => false,
    };
    let list: Vec<&bidwatch_model::Finding> = new_at.iter().filter_map(|&i| findings.get(i)).filter(level).collect();
    let mut out = String::new();
    if list.is_empty() {
        return out;
    }
    let since = match (zh, had_previous) {
        (true, true) => "自上次运行以来",
        (true, false) => "本次",
        (false, true) => "since the previous run",
        (false, false) => "in this run",
    };
    let _ = writeln!(
        out,
        "{}",
        if zh {
            format!("  {since}新增的约谈告知与暂停、移交建议：")
        } else {
            format!("  interview notices due and suspension or referral recommendations, new {since}:")
        }
    );
    for (kind, zh_label, en_label) in [
        (SubjectKind::Bidder, "投标人", "bidders"),
        (SubjectKind::Expert, "评标专家", "experts"),
        (SubjectKind::Agent, "代理机构", "agents"),
    ] {
        let of_kind: Vec<&&bidwatch_model::Finding> = list.iter().filter(|f| f.subject.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let _ =
            if zh { writeln!(out, "    {zh_label}（{}）", of_kind.len()) } else { writeln!(out, "    {en_label} ({})", of_kind.len()) };
        const SHOWN: usize = 10;
        for f in of_kind.iter().take(SHOWN) {
            let _ = writeln!(out, "      {} {}", f.code, f.message.get(zh));
        }
        if of_kind.len() > SHOWN {
            let more = of_kind.len() - SHOWN;
            let _ = writeln!(
                out,
                "      {}",
                if zh {
                    format!("……另有 {more} 个（见 findings.jsonl）")
                } else {
                    format!("… and {more} more (see findings.jsonl)")
                }
            );
        }
    }
    out
}

/// BLAKE3 over the folder's files (names and bytes, in name order): the same input gives the
/// same fingerprint, whatever the file times. It runs beside the rules, so its cost is a core's
/// time taken from them: 6 GB of CSV at 10M bids took SHA-256 4.4 s, BLAKE3 2.0 s. A store's runs
/// fingerprinted with SHA-256 (before `b3:`) simply do not match a new one: the first night after
/// the change does not say "same input".
fn input_fingerprint(dir: &Path) -> Result<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    let mut h = blake3::Hasher::new();
    for f in files {
        h.update(f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
        h.update(&[0u8]);
        let file = std::fs::File::open(&f).with_context(|| f.display().to_string())?;
        h.update_reader(file).with_context(|| f.display().to_string())?;
    }
    Ok(format!("b3:{}", &h.finalize().to_hex()[..32]))
}

/// A short fingerprint of the catalog and policy in force.
fn rules_fingerprint(catalog: &Catalog) -> String {
    use sha2::{Digest, Sha256};
    let text = format!("{:?}{:?}", catalog.records, catalog.policy);
    Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}
