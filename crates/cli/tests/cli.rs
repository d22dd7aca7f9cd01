//! The binary as a supervisor and cron meet it: exit codes, outputs, determinism, languages.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The binary, run from a fresh folder so that its default store (`bidwatch.db`) stays there.
fn bidwatch() -> Command {
    let mut cmd = Command::cargo_bin("bidwatch").expect("binary");
    cmd.current_dir(tempfile::tempdir().expect("tmp").keep());
    cmd
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const OUTPUTS: [&str; 5] = ["findings.jsonl", "project_risk.csv", "screens.csv", "ingest_report.csv", "summary.json"];

#[test]
fn demo_writes_all_five_outputs_and_exits_1_on_findings() {
    let out = tempfile::tempdir().expect("tmp");
    let assert = bidwatch().args(["check", "--demo", "--out"]).arg(out.path()).assert().code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("bidwatch 检查") && stdout.contains("CNT-001"), "{stdout}");
    assert!(stdout.contains("已忽略：truth.csv"), "{stdout}");
    for f in OUTPUTS {
        assert!(out.path().join(f).is_file(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("summary.json")).expect("read")).expect("json");
    assert_eq!(summary["projects"], 120);
    let risk = fs::read_to_string(out.path().join("project_risk.csv")).expect("read");
    assert_eq!(risk.lines().count(), 121, "every project has a risk row");
    let screens = fs::read_to_string(out.path().join("screens.csv")).expect("read");
    assert!(screens.starts_with("project_id,n_bids,cv,spd,diffp,rd,kurtosis,skewness,ks_uniform\n"));
}

#[test]
fn english_summary_on_request() {
    let out = tempfile::tempdir().expect("tmp");
    let assert = bidwatch().args(["--lang", "en", "check", "--demo", "--out"]).arg(out.path()).assert().code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("bidwatch check:") && stdout.contains("findings:"), "{stdout}");
}

#[test]
fn clean_data_exits_0() {
    let data = tempfile::tempdir().expect("tmp");
    fs::write(data.path().join("projects.csv"), "project_id,category,ceiling_price\nP1,engineering,100\n").expect("w");
    fs::write(data.path().join("bids.csv"), "project_id,bidder_id,price\nP1,B1,90\nP1,B2,91\nP1,B3,95\n").expect("w");
    let out = tempfile::tempdir().expect("tmp");
    let assert = bidwatch().arg("check").arg(data.path()).arg("--out").arg(out.path()).assert().code(0);
    assert!(String::from_utf8_lossy(&assert.get_output().stdout).contains("未发现问题"));
    assert_eq!(fs::read_to_string(out.path().join("findings.jsonl")).expect("r"), "");
}

#[test]
fn errors_exit_2_and_name_file_and_column() {
    let out = tempfile::tempdir().expect("tmp");
    bidwatch().args(["check", "/no/such/folder", "--out"]).arg(out.path()).assert().code(2);
    let data = tempfile::tempdir().expect("tmp");
    fs::write(data.path().join("projects.csv"), "project_id,category\nP1,engineering\n").expect("w");
    fs::write(data.path().join("bids.csv"), "project_id,price\nP1,90\n").expect("w");
    let assert = bidwatch().arg("check").arg(data.path()).arg("--out").arg(out.path()).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("错误") && stderr.contains("bids.csv") && stderr.contains("bidder_id"), "{stderr}");
    bidwatch().args(["check", "--no-such-flag"]).assert().code(2);
    bidwatch().args(["rule", "XYZ-999"]).assert().code(2);
}

fn read_outputs(dir: &Path) -> Vec<(String, String)> {
    OUTPUTS
        .iter()
        .map(|f| {
            let mut text = fs::read_to_string(dir.join(f)).expect("read");
            if *f == "summary.json" {
                // Wall times are the one thing that may differ between runs.
                let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
                v["timings_ms"] = serde_json::Value::Null;
                text = v.to_string();
            }
            ((*f).to_owned(), text)
        })
        .collect()
}

#[test]
fn same_input_gives_identical_outputs_on_1_and_2_threads() {
    let data = tempfile::tempdir().expect("tmp");
    bidwatch().args(["gen"]).arg(data.path()).args(["--seed", "11", "--projects", "200"]).assert().success();
    let a = tempfile::tempdir().expect("tmp");
    let b = tempfile::tempdir().expect("tmp");
    bidwatch().arg("check").arg(data.path()).arg("--out").arg(a.path()).args(["--threads", "1"]).assert().code(1);
    bidwatch().arg("check").arg(data.path()).arg("--out").arg(b.path()).args(["--threads", "2"]).assert().code(1);
    assert_eq!(read_outputs(a.path()), read_outputs(b.path()));
}

#[test]
fn generator_is_deterministic_by_seed() {
    let a = tempfile::tempdir().expect("tmp");
    let b = tempfile::tempdir().expect("tmp");
    let c = tempfile::tempdir().expect("tmp");
    for (dir, seed) in [(&a, "5"), (&b, "5"), (&c, "6")] {
        bidwatch().arg("gen").arg(dir.path()).args(["--seed", seed, "--projects", "150", "--big-ring", "28"]).assert().success();
    }
    let files = ["projects.csv", "bids.csv", "bidders.csv", "bid_personnel.csv", "employment.csv", "truth.csv"];
    for f in files {
        assert_eq!(fs::read(a.path().join(f)).expect("a"), fs::read(b.path().join(f)).expect("b"), "{f} differs for one seed");
    }
    assert_ne!(fs::read(a.path().join("bids.csv")).expect("a"), fs::read(c.path().join("bids.csv")).expect("c"));
}

#[test]
fn the_demo_fixture_is_what_the_generator_makes() {
    // fixtures/demo is `bidwatch gen fixtures/demo --seed 2026 --projects 120 --rings 2`.
    let out = tempfile::tempdir().expect("tmp");
    bidwatch().arg("gen").arg(out.path()).args(["--seed", "2026", "--projects", "120", "--rings", "2"]).assert().success();
    for entry in fs::read_dir(repo().join("fixtures/demo")).expect("demo") {
        let name = entry.expect("entry").file_name();
        assert_eq!(
            fs::read(out.path().join(&name)).expect("gen"),
            fs::read(repo().join("fixtures/demo").join(&name)).expect("demo"),
            "{name:?}"
        );
    }
}

#[test]
fn planted_violations_are_found_and_nothing_else() {
    let data = tempfile::tempdir().expect("tmp");
    bidwatch().arg("gen").arg(data.path()).args(["--seed", "3", "--projects", "600"]).assert().success();
    let out = tempfile::tempdir().expect("tmp");
    bidwatch().arg("check").arg(data.path()).arg("--out").arg(out.path()).assert().code(1);
    let truth = fs::read_to_string(data.path().join("truth.csv")).expect("truth");
    let mut planted: Vec<String> = truth
        .lines()
        .filter(|l| l.starts_with("violation,"))
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!("{} {}", &c[5][..7], c[2])
        })
        .collect();
    let mut found: Vec<String> = fs::read_to_string(out.path().join("findings.jsonl"))
        .expect("findings")
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            // The planted violations are of the count and price rules; rings are scored by `eval rings`.
            (v["severity"] == "violation")
                .then(|| format!("{} {}", v["code"].as_str().unwrap_or(""), v["project_id"].as_str().unwrap_or("")))
        })
        .collect();
    planted.sort();
    found.sort();
    // the county plants policy cases too, so this cannot pass on the price rules alone
    for family in ["CNT", "PRC", "EXP", "AGT", "ATT", "CMP", "DEP"] {
        assert!(planted.iter().any(|p| p.starts_with(family)), "no {family} case planted");
    }
    assert_eq!(found, planted);

    // Planted policy signals: every one found; and for the rules the county fully controls, nothing
    // else.
    let key = |code: &str, project: &str, subject: &str| format!("{code} {project} {subject}");
    let planted: std::collections::BTreeSet<String> = truth
        .lines()
        .filter(|l| l.starts_with("policy_signal,"))
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            key(&c[5][..7], c[2], c[3])
        })
        .collect();
    let found: std::collections::BTreeSet<String> = fs::read_to_string(out.path().join("findings.jsonl"))
        .expect("findings")
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            let code = v["code"].as_str().unwrap_or("");
            ["EXP-003", "EXP-005", "EXP-007", "POL-003", "BID-002", "AGT-005"]
                .contains(&code)
                .then(|| key(code, v["project_id"].as_str().unwrap_or(""), v["subject"]["id"].as_str().unwrap_or("")))
        })
        .collect();
    for family in ["EXP-003", "EXP-007", "POL-003", "BID-002", "AGT-005"] {
        assert!(planted.iter().any(|p| p.starts_with(family)), "no {family} signal planted");
    }
    let missed: Vec<&String> = planted.difference(&found).collect();
    assert!(missed.is_empty(), "missed {missed:?}");
    // AGT-005 grades also count detected breaches, which the county does not plan: recall only
    let extra: Vec<&String> = found.difference(&planted).filter(|k| !k.starts_with("AGT-005")).collect();
    assert!(extra.is_empty(), "not planted: {extra:?}");
}

#[test]
fn check_lists_new_notices_and_referrals_once() {
    let data = tempfile::tempdir().expect("tmp");
    bidwatch().arg("gen").arg(data.path()).args(["--seed", "4", "--projects", "300"]).assert().success();
    let work = tempfile::tempdir().expect("tmp");
    let store = work.path().join("bw.db");
    let run = || {
        let a = bidwatch()
            .arg("check")
            .arg(data.path())
            .arg("--out")
            .arg(work.path().join("out"))
            .arg("--store")
            .arg(&store)
            .args(["--lang", "en"])
            .assert()
            .code(1);
        String::from_utf8_lossy(&a.get_output().stdout).into_owned()
    };
    let first = run();
    assert!(first.contains("interview notices due and suspension or referral recommendations, new in this run:"), "{first}");
    assert!(first.contains("    experts ("), "{first}");
    assert!(first.contains("POL-002 expert E"), "{first}");
    // the same data again: nothing new to notify
    let second = run();
    assert!(!second.contains("interview notices due"), "{second}");
    assert!(second.contains("nothing new or gone"), "{second}");
}

#[test]
fn rule_explains_itself_in_both_languages_and_json() {
    let zh = bidwatch().args(["rule", "cnt-001"]).assert().success();
    let zh = String::from_utf8_lossy(&zh.get_output().stdout).into_owned();
    for s in ["检查内容", "法律依据", "第四十四条", "阈值", "min_bidders", "除外情形"] {
        assert!(zh.contains(s), "{s}: {zh}");
    }
    let en = bidwatch().args(["--lang", "en", "rule", "PRC-004"]).assert().success();
    assert!(String::from_utf8_lossy(&en.get_output().stdout).contains("Legal basis"));
    let json = bidwatch().args(["rule", "--all", "--format", "json"]).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(bidwatch_rules::registry().len()));
}

#[test]
fn terminal_summary_snapshot() {
    let out = tempfile::tempdir().expect("tmp");
    let dir = repo().join("fixtures/rules/PRC-004/fires");
    let assert = bidwatch().arg("check").arg(&dir).arg("--out").arg(out.path()).assert().code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout)
        .replace(&dir.display().to_string(), "<DATA>")
        .replace(&out.path().display().to_string(), "<OUT>");
    insta::assert_snapshot!(stdout);
}

#[test]
fn personal_identifiers_are_masked_in_the_ingest_report_unless_asked() {
    let data = tempfile::tempdir().expect("tmp");
    fs::write(data.path().join("projects.csv"), "project_id,category\nP1,engineering\n").expect("w");
    fs::write(data.path().join("bids.csv"), "project_id,bidder_id,price\nP1,B1,90\nP1,B2,91\nP1,B3,95\n").expect("w");
    fs::write(data.path().join("bidders.csv"), "bidder_id,name,phone\nB1,甲,call 13812345678 now\n").expect("w");
    let out = tempfile::tempdir().expect("tmp");
    bidwatch().arg("check").arg(data.path()).arg("--out").arg(out.path()).assert().code(0);
    let report = fs::read_to_string(out.path().join("ingest_report.csv")).expect("r");
    assert!(report.contains("bidders,2,phone,cal") && !report.contains("13812345678"), "{report}");
    bidwatch().arg("check").arg(data.path()).arg("--out").arg(out.path()).arg("--unmask").assert().code(0);
    let report = fs::read_to_string(out.path().join("ingest_report.csv")).expect("r");
    assert!(report.contains("call 13812345678 now"), "{report}");
}

#[test]
fn the_store_says_what_is_new_since_the_last_night() {
    let data = tempfile::tempdir().expect("tmp");
    bidwatch().arg("gen").arg(data.path()).args(["--seed", "8", "--projects", "300"]).assert().success();
    let work = tempfile::tempdir().expect("tmp");
    let db = work.path().join("history.db");
    let night = || {
        let out =
            bidwatch().arg("check").arg(data.path()).arg("--out").arg(work.path().join("out")).arg("--store").arg(&db).assert().code(1);
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    assert!(night().contains("首次运行"));
    let second = night();
    assert!(second.contains("无新增、无消失（输入数据相同）"), "{second}");
    // The next night a project loses its ceiling price: any PRC-004 above-ceiling finding on it goes.
    let bids = fs::read_to_string(data.path().join("bids.csv")).expect("bids");
    let mut lines: Vec<String> = bids.lines().map(str::to_owned).collect();
    let first_bid: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
    let dup = format!("{},{},1.00,{}", first_bid[0], first_bid[1], first_bid[3..].join(","));
    lines.push(dup);
    fs::write(data.path().join("bids.csv"), lines.join("\n") + "\n").expect("write");
    let third = night();
    assert!(third.contains("新增 1 条、消失 0 条"), "{third}");
}

#[test]
fn a_store_kept_to_its_newest_nights_still_says_what_is_new() {
    let work = tempfile::tempdir().expect("tmp");
    let db = work.path().join("kept.db");
    let night = |keep: &str| {
        let out = bidwatch()
            .args(["check", "--demo", "--keep-runs", keep, "--out"])
            .arg(work.path().join("out"))
            .arg("--store")
            .arg(&db)
            .assert()
            .code(1);
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    assert!(!night("2").contains("已释放"));
    assert!(!night("2").contains("已释放"), "two nights, two kept");
    let third = night("2");
    assert!(third.contains("已释放较早的 1 次运行（#1）的发现与项目风险，保留最近 2 次"), "{third}");
    assert!(third.contains("与上次（#2）相比无新增、无消失"), "{third}");
    let fourth = night("1");
    assert!(fourth.contains("已释放较早的 2 次运行（#2–#3）"), "{fourth}");
    let conn = rusqlite::Connection::open(&db).expect("store");
    let per_run: Vec<(i64, i64, i64, bool)> = conn
        .prepare(
            "SELECT id, (SELECT COUNT(*) FROM findings WHERE run_id = runs.id), (SELECT COUNT(*) FROM project_risk WHERE run_id = runs.id), pruned_at IS NOT NULL FROM runs ORDER BY id",
        )
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    assert_eq!(per_run.len(), 4, "every run keeps its row");
    assert!(per_run[..3].iter().all(|&(_, f, r, pruned)| f == 0 && r == 0 && pruned), "{per_run:?}");
    let (_, f, r, pruned) = per_run[3];
    assert!(f > 0 && r > 0 && !pruned, "{per_run:?}");
    // a draw from a run let go says why it cannot be made
    let draw = bidwatch().args(["inspect", "draw", "--n", "3", "--run", "1", "--store"]).arg(&db).assert().code(2);
    let err = String::from_utf8_lossy(&draw.get_output().stderr).into_owned();
    assert!(err.contains("--keep-runs"), "{err}");
}

#[test]
fn planted_rings_are_found_whole_and_no_trap_is_reported() {
    // A county with a 28-firm ring, as in the bureau's last proven case.
    let data = tempfile::tempdir().expect("tmp");
    bidwatch()
        .arg("gen")
        .arg(data.path())
        .args(["--seed", "11", "--projects", "700", "--rings", "6", "--big-ring", "28"])
        .assert()
        .success();
    let out = tempfile::tempdir().expect("tmp");
    let run = bidwatch()
        .args(["eval", "rings"])
        .arg("--truth")
        .arg(data.path().join("truth.csv"))
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    let figure = |label: &str| -> f64 {
        text.lines().find_map(|l| l.strip_prefix(label)).and_then(|v| v.trim().parse().ok()).unwrap_or_else(|| panic!("{label}: {text}"))
    };
    assert!(figure("recall (planted rings that left evidence):") >= 0.95, "{text}");
    assert!(figure("precision (reported rings):") >= 0.95, "{text}");
    assert!(text.contains("traps reported: 0"), "{text}");
    let big = text.lines().find(|l| l.split_whitespace().nth(1) == Some("28")).unwrap_or_else(|| panic!("{text}"));
    assert!(big.ends_with("yes    yes"), "the 28-firm ring must come out whole: {big}");
    // The findings file names every ring member and the paths between them.
    let findings = fs::read_to_string(out.path().join("findings.jsonl")).expect("findings");
    let ring: serde_json::Value = findings
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|v| v["code"] == "GRF-001" && v["members"].as_array().map(Vec::len) == Some(28))
        .expect("a 28-member ring");
    assert_eq!(ring["paths"].as_array().map(Vec::len), Some(28 * 27 / 2));
}

#[test]
fn planted_restrictive_clauses_are_found_with_few_false_alarms() {
    let data = tempfile::tempdir().expect("tmp");
    bidwatch().arg("gen").arg(data.path()).args(["--seed", "5", "--projects", "1500"]).assert().success();
    let out = tempfile::tempdir().expect("tmp");
    let run = bidwatch()
        .args(["eval", "clauses"])
        .arg("--truth")
        .arg(data.path().join("truth.csv"))
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    let line = text.lines().find(|l| l.starts_with("planted restrictive clauses:")).unwrap_or_else(|| panic!("{text}"));
    let nums: Vec<usize> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|t| t.parse().ok()).collect();
    assert!(nums.len() == 2 && nums[0] > 10 && nums[0] == nums[1], "every planted clause found: {text}");
    let rate: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("false alarms: "))
        .and_then(|r| r.split(['(', ' ']).nth(2))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    assert!(rate <= 1.0, "at most 1 false alarm per 100 clean clauses: {text}");
}

#[test]
fn inspection_draw_is_weighted_reproducible_and_recorded() {
    let work = tempfile::tempdir().expect("tmp");
    let store = work.path().join("bw.db");
    bidwatch().args(["check", "--demo", "--out"]).arg(work.path().join("out")).arg("--store").arg(&store).assert().code(1);
    let draw = |seed: &str, extra: &[&str]| {
        let a = bidwatch()
            .args(["--lang", "en", "inspect", "draw", "--n", "6", "--seed", seed, "--store"])
            .arg(&store)
            .args(extra)
            .assert()
            .success();
        let text = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
        // the lines of the drawn projects (the header names the draw's own id)
        text.lines().skip(2).map(str::to_owned).collect::<Vec<_>>()
    };
    let first = draw("2026", &[]);
    assert_eq!(first.len(), 6, "{first:?}");
    assert_eq!(draw("2026", &[]), first, "same run and seed, same draw");
    assert_ne!(draw("2027", &[]), first);
    let works = draw("2026", &["--category", "engineering"]);
    assert!(works.iter().all(|l| l.contains("engineering")), "{works:?}");
    // recorded: four draws of run #1
    let conn = rusqlite::Connection::open(&store).expect("store");
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM draws WHERE run_id = 1 AND n = 6", [], |r| r.get(0)).expect("count");
    assert_eq!(n, 4);
    // no store: a clear error, exit 2
    bidwatch().args(["inspect", "draw", "--n", "3", "--store"]).arg(work.path().join("none.db")).assert().code(2);
}

#[test]
fn case_file_of_a_ring_with_manifest_that_catches_one_changed_byte() {
    let work = tempfile::tempdir().expect("tmp");
    let store = work.path().join("bw.db");
    let out = work.path().join("out");
    bidwatch().args(["check", "--demo", "--out"]).arg(&out).arg("--store").arg(&store).assert().code(1);
    let findings = fs::read_to_string(out.join("findings.jsonl")).expect("findings");
    let ring = findings
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["code"] == "GRF-001")
        .and_then(|v| v["subject"]["id"].as_str().map(str::to_owned))
        .expect("the demo has a ring");
    let case = work.path().join("case");
    bidwatch().args(["case", "export", &ring, "--out"]).arg(&case).arg("--store").arg(&store).assert().success();
    for f in ["summary.md", "summary.html", "findings.json", "graph.dot", "graph.svg", "MANIFEST.sha256", "evidence/bids.csv"] {
        assert!(case.join(f).is_file(), "{f}");
    }
    let summary = fs::read_to_string(case.join("summary.md")).expect("md");
    assert!(summary.contains(&ring) && summary.contains("法律依据") && summary.contains("第四十条"), "{summary}");
    let manifest = fs::read_to_string(case.join("MANIFEST.sha256")).expect("manifest");
    assert!(manifest.starts_with("# bidwatch case file; personal identifiers: masked"));
    // masked: no full 18-character ID number in the evidence
    let bids = fs::read_to_string(case.join("evidence/bids.csv")).expect("bids");
    assert!(bids.contains("***"), "{bids}");
    assert!(
        !bids.split([',', '\n']).any(|c| c.len() == 18 && c.starts_with("33") && c.chars().all(|x| x.is_ascii_alphanumeric())),
        "{bids}"
    );
    bidwatch().args(["case", "verify"]).arg(&case).assert().success();
    // one byte changed: verify fails and names the file
    let p = case.join("summary.md");
    let mut bytes = fs::read(&p).expect("read");
    bytes[0] ^= 1;
    fs::write(&p, &bytes).expect("write");
    let a = bidwatch().args(["--lang", "en", "case", "verify"]).arg(&case).assert().code(1);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("summary.md"));
    bytes[0] ^= 1;
    fs::write(&p, &bytes).expect("restore");
    bidwatch().args(["case", "verify"]).arg(&case).assert().success();
    // a file slipped in afterwards
    fs::write(case.join("evidence/extra.csv"), "x\n").expect("extra");
    bidwatch().args(["case", "verify"]).arg(&case).assert().code(1);
    // unmasked on request, and the manifest says so
    let open = work.path().join("open");
    bidwatch().args(["case", "export", &ring, "--unmask", "--out"]).arg(&open).arg("--store").arg(&store).assert().success();
    assert!(fs::read_to_string(open.join("MANIFEST.sha256"))
        .expect("m")
        .starts_with("# bidwatch case file; personal identifiers: unmasked"));
    // the same data, the same case bytes
    let again = work.path().join("again");
    bidwatch().args(["case", "export", &ring, "--out"]).arg(&again).arg("--store").arg(&store).assert().success();
    assert_eq!(fs::read(again.join("MANIFEST.sha256")).expect("a"), fs::read(case.join("MANIFEST.sha256")).expect("b"));
    // the case opened in the store on export; a referral is recorded with who and why
    let status = |extra: &[&str]| {
        let a = bidwatch().args(["--lang", "en", "case", "status", &ring, "--store"]).arg(&store).args(extra).assert().success();
        String::from_utf8_lossy(&a.get_output().stdout).into_owned()
    };
    assert!(status(&[]).starts_with(&format!("case {ring}: open")));
    let referred = status(&["--set", "referred", "--by", "李明", "--note", "移交县纪委监委"]);
    assert!(
        referred.starts_with(&format!("case {ring}: referred")) && referred.contains("移交县纪委监委") && referred.contains("  open "),
        "{referred}"
    );
    bidwatch().args(["case", "status", &ring, "--set", "lost", "--by", "x", "--store"]).arg(&store).assert().code(2);
    // an id nothing names: a clear error
    bidwatch().args(["case", "export", "NOBODY", "--out"]).arg(work.path().join("x")).arg("--store").arg(&store).assert().code(2);
}

/// Rewrites one CSV: `edit` gets the header and each record, and may change the record.
fn edit_csv(path: &Path, mut edit: impl FnMut(&[String], &mut Vec<String>) -> bool) -> bool {
    let text = fs::read_to_string(path).expect("csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().expect("header").split(',').map(str::to_owned).collect();
    let mut out = vec![header.join(",")];
    let mut done = false;
    for l in lines {
        let mut rec: Vec<String> = l.split(',').map(str::to_owned).collect();
        if !done && edit(&header, &mut rec) {
            done = true;
        }
        out.push(rec.join(","));
    }
    fs::write(path, out.join("\n") + "\n").expect("write");
    done
}

#[test]
fn two_nights_say_what_is_new_and_what_is_gone() {
    let data = tempfile::tempdir().expect("tmp");
    bidwatch().arg("gen").arg(data.path()).args(["--seed", "8", "--projects", "300"]).assert().success();
    let work = tempfile::tempdir().expect("tmp");
    let store = work.path().join("bw.db");
    let night = || {
        let a = bidwatch()
            .args(["--lang", "en", "check"])
            .arg(data.path())
            .arg("--out")
            .arg(work.path().join("out"))
            .arg("--store")
            .arg(&store)
            .assert()
            .code(1);
        String::from_utf8_lossy(&a.get_output().stdout).into_owned()
    };
    night();
    // the next day: one expert who came now stays away, one who was late came on time
    let col = |h: &[String], name: &str| h.iter().position(|c| c == name).expect("column");
    let (mut absent, mut on_time) = (String::new(), String::new());
    let path = data.path().join("expert_assignments.csv");
    assert!(edit_csv(&path, |h, r| {
        let ok = r[col(h, "status")] == "present";
        if ok {
            r[col(h, "status")] = "absent".into();
            r[col(h, "checked_in_at")] = String::new();
            absent = format!("({}) was absent after confirming at project {}", r[col(h, "expert_id")], r[col(h, "project_id")]);
        }
        ok
    }));
    assert!(edit_csv(&path, |h, r| {
        let ok = r[col(h, "status")] == "late";
        if ok {
            r[col(h, "status")] = "present".into();
            r[col(h, "checked_in_at")] = r[col(h, "scheduled_at")].clone();
            on_time = format!("({}) was ", r[col(h, "expert_id")]);
        }
        ok
    }));
    let second = night();
    let section = |name: &str| -> String {
        let after = second.split(&format!("    {name} (")).nth(1).unwrap_or("");
        after.lines().skip(1).take_while(|l| l.starts_with("      ")).collect::<Vec<_>>().join("\n")
    };
    assert!(section("new").contains("EXP-002 expert") && section("new").contains(&absent), "{second}");
    assert!(section("gone").contains(&on_time) && section("gone").contains("minutes late"), "{second}");
    assert!(second.contains("new, ") && second.contains("gone since run #1"), "{second}");
    // and the same data a third time: nothing new
    assert!(night().contains("nothing new or gone since run #2"));
}

#[test]
fn a_run_whose_outputs_cannot_be_written_is_not_recorded() {
    let work = tempfile::tempdir().expect("tmp");
    let store = work.path().join("bw.db");
    bidwatch().args(["check", "--demo", "--out"]).arg(work.path().join("o1")).arg("--store").arg(&store).assert().code(1);
    // the outputs' folder would be inside a file
    let file = work.path().join("a-file");
    fs::write(&file, "x").expect("write");
    let failed = bidwatch().args(["check", "--demo", "--out"]).arg(file.join("out")).arg("--store").arg(&store).assert().code(2);
    let err = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
    assert!(err.contains(&file.join("out").display().to_string()), "{err}");
    assert_eq!(err.matches("os error").count(), 1, "the cause said once: {err}");
    let runs: i64 =
        rusqlite::Connection::open(&store).expect("store").query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0)).expect("query");
    assert_eq!(runs, 1);
}

#[test]
fn a_run_killed_half_way_leaves_the_store_as_it_was() {
    let data = tempfile::tempdir().expect("tmp");
    bidwatch().arg("gen").arg(data.path()).args(["--seed", "9", "--projects", "2500"]).assert().success();
    let work = tempfile::tempdir().expect("tmp");
    let store = work.path().join("bw.db");
    let started = std::time::Instant::now();
    bidwatch().arg("check").arg(data.path()).arg("--out").arg(work.path().join("o1")).arg("--store").arg(&store).assert().code(1);
    let night = started.elapsed().as_millis() as f64;
    let count = |q: &str| -> i64 { rusqlite::Connection::open(&store).expect("store").query_row(q, [], |r| r.get(0)).expect("query") };
    let findings_before = count("SELECT COUNT(*) FROM findings");
    // kill the second night at several moments, as parts of the first night's time (the store is
    // written in about its last tenth, on any profile): the store holds one run or two, never a part
    for ms in [0.1, 0.6, 0.92, 0.95].map(|part| (part * night) as u64) {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bidwatch"))
            .arg("check")
            .arg(data.path())
            .arg("--out")
            .arg(work.path().join("o2"))
            .arg("--store")
            .arg(&store)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
        let runs = count("SELECT COUNT(*) FROM runs");
        let recorded = count("SELECT COALESCE(SUM(findings), 0) FROM runs");
        assert_eq!(count("SELECT COUNT(*) FROM findings"), recorded, "findings of the recorded runs only, after {ms} ms");
        assert!(runs >= 1 && recorded >= findings_before);
        let ok: String =
            rusqlite::Connection::open(&store).expect("store").query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("check");
        assert_eq!(ok, "ok");
    }
    // and the store still works
    bidwatch().arg("check").arg(data.path()).arg("--out").arg(work.path().join("o3")).arg("--store").arg(&store).assert().code(1);
}

#[test]
fn reports_render_as_text_markdown_html_and_an_xlsx_that_reads_back() {
    use calamine::Reader;
    let work = tempfile::tempdir().expect("tmp");
    let store = work.path().join("bw.db");
    bidwatch().args(["check", "--demo", "--out"]).arg(work.path().join("out")).arg("--store").arg(&store).assert().code(1);
    let risk = fs::read_to_string(work.path().join("out/project_risk.csv")).expect("risk");
    let project = risk.lines().nth(1).and_then(|l| l.split(',').next()).expect("a project").to_owned();
    let report = |args: &[&str]| {
        let a = bidwatch().arg("report").args(args).arg("--store").arg(&store).assert().success();
        String::from_utf8_lossy(&a.get_output().stdout).into_owned()
    };
    let text = report(&["project", &project]);
    assert!(text.starts_with(&format!("项目报告：{project}")) && text.contains("投标（") && text.contains("发现（"), "{text}");
    let md = report(&["project", &project, "--format", "md"]);
    assert!(md.contains("## 投标") && md.contains("| 投标人 |"));
    let html = report(&["project", &project, "--format", "html"]);
    assert!(html.contains("lang=\"zh-CN\"") && html.contains("<table>") && !html.contains("<script"));
    let xlsx = work.path().join("p.xlsx");
    bidwatch().args(["report", "project", &project, "--format", "xlsx", "--out"]).arg(&xlsx).arg("--store").arg(&store).assert().success();
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("open xlsx");
    assert_eq!(wb.sheet_names(), vec!["概况", "投标", "发现", "关键岗位人员", "考勤（按月打卡天数）"]);
    let bids = wb.worksheet_range("投标").expect("sheet");
    let md_rows = md.split("## 投标").nth(1).expect("bids").lines().filter(|l| l.starts_with("| ") && !l.starts_with("| 投标人")).count();
    assert_eq!(bids.height(), md_rows + 1, "the sheet has the header and the same rows as the Markdown table");
    let first: Vec<String> = bids.rows().nth(1).expect("row").iter().map(|c| c.to_string()).collect();
    assert!(md.contains(&format!("| {} |", first.join(" | "))), "{first:?}");
    // the same report, the same bytes
    let again = work.path().join("q.xlsx");
    bidwatch().args(["report", "project", &project, "--format", "xlsx", "--out"]).arg(&again).arg("--store").arg(&store).assert().success();
    assert_eq!(fs::read(&xlsx).expect("a"), fs::read(&again).expect("b"));
    // a joint-inspection report of a draw
    bidwatch().args(["inspect", "draw", "--n", "4", "--seed", "1", "--store"]).arg(&store).assert().success();
    let draw = report(&["draw", "1", "--lang", "en"]);
    assert!(draw.starts_with("Joint inspection: draw #1 (run #1, seed 1)") && draw.contains("Projects (4)"), "{draw}");
    // an unknown id: a clear error
    bidwatch().args(["report", "bidder", "NOBODY", "--store"]).arg(&store).assert().code(2);
}

#[test]
fn the_parquet_copy_of_a_county_gives_the_same_findings() {
    let data = tempfile::tempdir().expect("tmp");
    bidwatch().arg("gen").arg(data.path()).args(["--seed", "5", "--projects", "200", "--parquet"]).assert().success();
    let work = tempfile::tempdir().expect("tmp");
    let run = |dir: PathBuf, name: &str| {
        let out = work.path().join(name);
        bidwatch()
            .arg("check")
            .arg(&dir)
            .arg("--out")
            .arg(&out)
            .arg("--store")
            .arg(work.path().join(format!("{name}.db")))
            .assert()
            .code(1);
        out
    };
    let csv = run(data.path().to_owned(), "csv");
    let parquet = run(data.path().join("parquet"), "parquet");
    assert!(data.path().join("parquet/bids.parquet").is_file());
    for f in ["findings.jsonl", "project_risk.csv", "screens.csv"] {
        assert_eq!(fs::read(csv.join(f)).expect("csv"), fs::read(parquet.join(f)).expect("parquet"), "{f}");
    }
}
