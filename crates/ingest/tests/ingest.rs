//! Ingest as a bureau meets it: real exports with bad rows, odd encodings, Chinese headers,
//! spreadsheets. Each test names what it guards.

use std::fs;

use bidwatch_ingest::{frame, load, Action, IngestError, TableName};
use polars::prelude::*;

const PROJECTS: &str = "project_id,category,ceiling_price\nP1,engineering,1000000\nP2,procurement,50000\n";

fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in files {
        fs::write(dir.path().join(name), bytes).expect("write");
    }
    dir
}

fn issues(ds: &bidwatch_ingest::Dataset, table: &str) -> Vec<(u64, String, Action, String)> {
    ds.report.issues.iter().filter(|i| i.table == table).map(|i| (i.row, i.column.clone(), i.action, i.reason.clone())).collect()
}

#[test]
fn bad_bid_rows_are_set_aside_with_row_and_reason_and_the_rest_is_kept() {
    let big = "x".repeat(1_000_000);
    let bids = format!(
        "project_id,bidder_id,price,submitted_at,upload_ip\n\
         P1,B1,950000,2024-03-05T09:00:00,10.0.0.1\n\
         P1,B2,-5,2024-03-05T09:00:00,\n\
         P1,B3,abc,,\n\
         P1,B4,\"1,234.50\",2024-02-30T09:00:00,\n\
         P9,B5,100,,\n\
         P1,B6,1234.5元,,not-an-ip\n\
         P1,{big},100,,\n\
         P1,,100,,\n"
    );
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", bids.as_bytes())]);
    let ds = load(dir.path()).expect("loads");
    let t = ds.table(TableName::Bids).expect("bids");
    assert_eq!(t.rows_read, 8);
    // Kept: B1, B4 (a broken optional date is cleared), B6 (a bad IP is cleared).
    assert_eq!(t.rows_kept, 3);
    let got = issues(&ds, "bids");
    let has = |row: u64, col: &str, action: Action, needle: &str| {
        got.iter().any(|(r, c, a, why)| *r == row && c == col && *a == action && why.contains(needle))
    };
    assert!(has(3, "price", Action::SetAside, "negative"), "{got:#?}");
    assert!(has(4, "price", Action::SetAside, "not a number"), "{got:#?}");
    assert!(has(5, "submitted_at", Action::Cleared, "not a date"), "{got:#?}");
    assert!(has(6, "project_id", Action::SetAside, "P9 is not in table projects"), "{got:#?}");
    assert!(has(7, "upload_ip", Action::Cleared, "not an IP"), "{got:#?}");
    assert!(has(8, "bidder_id", Action::SetAside, "cell too long"), "{got:#?}");
    assert!(has(9, "bidder_id", Action::SetAside, "empty"), "{got:#?}");
    let long = ds.report.issues.iter().find(|i| i.row == 8).expect("row 8");
    assert!(long.value.len() < 400 && long.value.contains("1000000 bytes"), "the report clips long values");
    let prices: Vec<f64> = t.df.column("price").expect("price").f64().expect("f64").iter().flatten().collect();
    assert_eq!(prices, vec![950000.0, 1234.5, 1234.5]);
    let rows: Vec<u32> = t.df.column("_row").expect("_row").u32().expect("u32").iter().flatten().collect();
    assert_eq!(rows, vec![2, 5, 7], "each kept row remembers its source row");
}

#[test]
fn a_missing_required_column_stops_the_run_naming_file_and_column() {
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", b"project_id,bidder_id\nP1,B1\n")]);
    let err = load(dir.path()).expect_err("no price column");
    assert!(matches!(err, IngestError::MissingColumn { column: "price", .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("bids.csv") && msg.contains("price") && msg.contains("投标报价"), "{msg}");
}

#[test]
fn a_missing_required_table_stops_the_run() {
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes())]);
    let err = load(dir.path()).expect_err("no bids");
    assert!(err.to_string().contains("bids"), "{err}");
}

#[test]
fn duplicate_ids_keep_the_first_and_set_aside_the_rest() {
    let projects = "project_id,category\nP1,engineering\nP1,procurement\nP1,engineering\n";
    let dir = folder(&[("projects.csv", projects.as_bytes()), ("bids.csv", b"project_id,bidder_id,price\nP1,B1,1\n")]);
    let ds = load(dir.path()).expect("loads");
    let got = issues(&ds, "projects");
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[0].3.contains("already given at row 2"), "{got:#?}");
    assert!(got[1].3.contains("exact duplicate of row 2"), "{got:#?}");
    assert_eq!(ds.table(TableName::Projects).expect("projects").rows_kept, 1);
}

#[test]
fn an_invalid_uscc_check_character_warns_and_keeps_the_bid() {
    // 91350100M000100Y43 is valid; ...Y44 is a typo in the check character.
    let bids = "project_id,bidder_id,price\nP1,91350100M000100Y44,100\nP1,91350100m000100y43,200\n";
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", bids.as_bytes())]);
    let ds = load(dir.path()).expect("loads");
    let got = issues(&ds, "bids");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].2, Action::Warning);
    assert!(got[0].3.contains("expected 3"), "{got:#?}");
    assert_eq!(ds.table(TableName::Bids).expect("bids").rows_kept, 2);
    assert!(ds.orgs.get("91350100M000100Y43").is_some(), "USCC-shaped ids are upper-cased");
}

#[test]
fn gb18030_csv_with_chinese_headers_and_labels() {
    let projects = "项目编号,项目名称,交易类型,最高投标限价(万元)\nP1,城南道路工程,工程建设,100\n";
    let bids = "项目编号,投标人,投标报价,状态\nP1,青山建设有限公司,\"950,000\",有效\n";
    let (p, _, _) = encoding_rs::GB18030.encode(projects);
    let (b, _, _) = encoding_rs::GB18030.encode(bids);
    let dir = folder(&[("projects.csv", &p), ("bids.csv", &b)]);
    let ds = load(dir.path()).expect("loads");
    let t = ds.table(TableName::Projects).expect("projects");
    assert_eq!(t.encoding, Some("GB18030"));
    let df = &t.df;
    assert_eq!(df.column("category").expect("c").str().expect("s").get(0), Some("engineering"));
    assert_eq!(df.column("name").expect("n").str().expect("s").get(0), Some("城南道路工程"));
    assert_eq!(df.column("ceiling_price").expect("c").f64().expect("f").get(0), Some(1_000_000.0), "(万元) in the header");
    let bids = &ds.table(TableName::Bids).expect("bids").df;
    assert_eq!(bids.column("status").expect("s").str().expect("s").get(0), Some("valid"));
    assert_eq!(frame::strs(bids, "bidder_id"), vec![Some("青山建设有限公司".to_owned())]);
}

#[test]
fn bytes_that_are_neither_utf8_nor_gb18030_are_refused_with_the_offset() {
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", b"project_id,bidder_id,price\nP1,B\xFF\xFF1,1\n")]);
    let err = load(dir.path()).expect_err("bad bytes");
    assert!(matches!(err, IngestError::Encoding { .. }), "{err}");
    assert!(err.to_string().contains("bids.csv"), "{err}");
}

#[test]
fn utf8_bom_and_utf16_are_read() {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(PROJECTS.as_bytes());
    let mut u16 = vec![0xFF, 0xFE];
    for c in "project_id,bidder_id,price\nP1,B1,1\n".encode_utf16() {
        u16.extend_from_slice(&c.to_le_bytes());
    }
    let dir = folder(&[("projects.csv", &bom), ("bids.csv", &u16)]);
    let ds = load(dir.path()).expect("loads");
    assert_eq!(ds.table(TableName::Projects).expect("p").rows_kept, 2);
    assert_eq!(ds.table(TableName::Bids).expect("b").rows_kept, 1);
}

#[test]
fn a_record_with_too_many_fields_is_set_aside_with_its_row() {
    let bids = "project_id,bidder_id,price\nP1,B1,100\nP1,B2,200,extra,fields\nP1,B3,300\n";
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", bids.as_bytes())]);
    let ds = load(dir.path()).expect("loads");
    let got = issues(&ds, "bids");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!((got[0].0, got[0].2), (3, Action::SetAside));
    let t = ds.table(TableName::Bids).expect("bids");
    assert_eq!((t.rows_read, t.rows_kept), (3, 2));
}

#[test]
fn xlsx_sheets_are_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let p = wb.add_worksheet().set_name("projects").expect("sheet");
    for (c, h) in ["项目编号", "交易类型", "最高投标限价"].iter().enumerate() {
        p.write_string(0, c as u16, *h).expect("w");
    }
    p.write_string(1, 0, "P1").expect("w");
    p.write_string(1, 1, "政府采购").expect("w");
    p.write_number(1, 2, 50000.0).expect("w");
    let b = wb.add_worksheet().set_name("bids").expect("sheet");
    for (c, h) in ["project_id", "bidder_id", "price", "is_winner"].iter().enumerate() {
        b.write_string(0, c as u16, *h).expect("w");
    }
    b.write_string(1, 0, "P1").expect("w");
    b.write_number(1, 1, 12345.0).expect("w");
    b.write_number(1, 2, 48000.5).expect("w");
    b.write_boolean(1, 3, true).expect("w");
    b.write_string(2, 0, "P1").expect("w");
    b.write_string(2, 1, "B2").expect("w");
    b.write_string(2, 2, "免费").expect("w");
    wb.add_worksheet().set_name("说明").expect("sheet");
    wb.save(dir.path().join("data.xlsx")).expect("save");
    let ds = load(dir.path()).expect("loads");
    let bids = ds.table(TableName::Bids).expect("bids");
    assert_eq!(bids.source, "data.xlsx#bids");
    assert_eq!(bids.rows_kept, 1);
    assert_eq!(frame::strs(&bids.df, "bidder_id"), vec![Some("12345".to_owned())], "numeric ids keep no .0");
    assert_eq!(bids.df.column("price").expect("p").f64().expect("f").get(0), Some(48000.5));
    assert_eq!(issues(&ds, "bids")[0].0, 3, "row numbers are the sheet's rows");
    assert_eq!(ds.ignored, vec!["data.xlsx#说明".to_owned()]);
}

#[test]
fn parquet_tables_are_read_like_csv() {
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes())]);
    let mut df = df!(
        "project_id" => ["P1", "P2"],
        "bidder_id" => ["B1", "B2"],
        "price" => [107807690.49f64, 1.0e8],
    )
    .expect("df");
    let f = fs::File::create(dir.path().join("bids.parquet")).expect("file");
    ParquetWriter::new(f).finish(&mut df).expect("write");
    let ds = load(dir.path()).expect("loads");
    let bids = ds.table(TableName::Bids).expect("bids");
    assert_eq!(bids.format, "parquet");
    let prices: Vec<f64> = bids.df.column("price").expect("p").f64().expect("f").iter().flatten().collect();
    assert_eq!(prices, vec![107807690.49, 1.0e8]);
}

#[test]
fn a_parquet_file_read_in_batches_of_row_groups_gives_what_it_gives_read_whole() {
    // Row groups of 7 rows: batches of one row group (and of several, a batch's rows at least
    // the asked-for), a bad price and a duplicate row reported at their rows, and a file
    // without rows, whose header alone is read.
    let n = 60;
    let projects: Vec<String> = (0..n).map(|i| format!("P{}", 1 + i % 2)).collect();
    let bidders: Vec<String> = (0..n).map(|i| format!("B{}", i % 9)).collect();
    let prices: Vec<String> = (0..n).map(|i| if i == 13 { "abc".to_owned() } else { format!("{}", 1000 + i % 18) }).collect();
    let mut df = df!("project_id" => projects, "bidder_id" => bidders, "price" => prices).expect("df");
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes())]);
    let f = fs::File::create(dir.path().join("bids.parquet")).expect("file");
    ParquetWriter::new(f).with_row_group_size(Some(7)).finish(&mut df).expect("write");
    let whole = bidwatch_ingest::load_in_batches_of(dir.path(), usize::MAX).expect("whole");
    for batch_bytes in [1, 512 * 10] {
        let batched = bidwatch_ingest::load_in_batches_of(dir.path(), batch_bytes).expect("batched");
        assert_eq!(everything(&batched), everything(&whole), "batches of {batch_bytes} bytes");
    }
    let (_, issues) = everything(&whole);
    assert!(issues.iter().any(|i| i.0 == 15 && i.1 == "bids.price"), "the bad price at its row: {issues:?}");
    assert!(issues.iter().any(|i| i.0 == 20 && i.3.contains("exact duplicate of row 2")), "{issues:?}");
    assert_eq!(whole.table(TableName::Bids).expect("bids").rows_read, n);
    let mut empty = df.head(Some(0));
    let f = fs::File::create(dir.path().join("bids.parquet")).expect("file");
    ParquetWriter::new(f).finish(&mut empty).expect("write");
    let ds = bidwatch_ingest::load_in_batches_of(dir.path(), 1).expect("a header alone loads");
    assert_eq!(ds.table(TableName::Bids).expect("bids").rows_kept, 0);
}

#[test]
fn a_table_given_twice_is_an_error_and_other_files_are_named() {
    let dir = folder(&[
        ("projects.csv", PROJECTS.as_bytes()),
        ("bids.csv", b"project_id,bidder_id,price\nP1,B1,1\n"),
        ("notes.txt", b"hello"),
        ("truth.csv", b"a,b\n"),
    ]);
    let ds = load(dir.path()).expect("loads");
    assert_eq!(ds.ignored, vec!["notes.txt".to_owned(), "truth.csv".to_owned()]);
    fs::write(dir.path().join("bids.parquet"), b"PAR1").expect("write");
    assert!(matches!(load(dir.path()), Err(IngestError::DuplicateTable { .. }) | Err(IngestError::Unreadable { .. })));
}

#[test]
fn ids_are_interned_to_dense_keys_shared_across_tables() {
    let bidders = "bidder_id,name\nB2,乙公司\nB1,甲公司\n";
    let bids = "project_id,bidder_id,price\nP2,B1,1\nP1,B2,2\n";
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bidders.csv", bidders.as_bytes()), ("bids.csv", bids.as_bytes())]);
    let ds = load(dir.path()).expect("loads");
    assert_eq!((ds.orgs.get("B2"), ds.orgs.get("B1")), (Some(0), Some(1)));
    let df = &ds.table(TableName::Bids).expect("b").df;
    assert_eq!(frame::keys(df, "bidder_id"), vec![Some(1), Some(0)]);
    assert_eq!(frame::keys(df, "project_id"), vec![Some(1), Some(0)]);
    assert!(df.column("bidder_key").is_err(), "the keys are the id column's, not a column of their own");
    // The id columns are stored as those keys and read back as the ids, in every slice and gather.
    assert_eq!(frame::str_iter(df, "bidder_id").collect::<Vec<_>>(), vec![Some("B1"), Some("B2")]);
    assert_eq!(frame::str_refs(&frame::gather(df, &[1]), "project_id"), vec![Some("P1")]);
    assert_eq!(frame::strs(&df.slice(1, 1), "bidder_id"), vec![Some("B2".to_owned())]);
}

/// A key space's columns are interned one after another, each row by row (the tenderers before
/// the agents), whichever thread takes them; a row set aside takes no key.
#[test]
fn keys_are_numbered_column_after_column_within_a_key_space() {
    let projects = "project_id,category,tenderer_id,agent_id\nP1,engineering,T1,A1\nP2,procurement,T2,A2\nP3,spaceflight,T3,A3\nP4,engineering,T1,A4\n";
    let staff = "project_id,bidder_id,person_id,role\nP4,T2,U2,项目经理\nP2,A1,U1,项目经理\n";
    let bids = "project_id,bidder_id,price\nP1,T1,1\n";
    let dir = folder(&[("projects.csv", projects.as_bytes()), ("bids.csv", bids.as_bytes()), ("bid_personnel.csv", staff.as_bytes())]);
    let ds = load(dir.path()).expect("loads");
    let orgs: Vec<Option<u32>> = ["T1", "T2", "A1", "A2", "A4", "T3", "A3"].iter().map(|id| ds.orgs.get(id)).collect();
    assert_eq!(orgs, vec![Some(0), Some(1), Some(2), Some(3), Some(4), None, None]);
    let projects: Vec<Option<u32>> = ["P1", "P2", "P4", "P3"].iter().map(|id| ds.projects.get(id)).collect();
    assert_eq!(projects, vec![Some(0), Some(1), Some(2), None]);
    assert_eq!((ds.persons.get("U2"), ds.persons.get("U1")), (Some(0), Some(1)));
}

#[test]
fn every_table_of_the_contract_validates_its_types() {
    // One bad value per typed column of the less common tables: each is named in the report.
    let files: &[(&str, &str)] = &[
        ("projects.csv", PROJECTS),
        ("bids.csv", "project_id,bidder_id,price\nP1,B1,1\n"),
        ("employment.csv", "person_id,employer_id,month\nU1,B1,2024-13\nU1,B1,2024-01\n"),
        ("shareholders.csv", "bidder_id,holder_id,holder_kind,share_pct\nB1,U1,person,120\nB1,U2,alien,10\n"),
        ("attendance.csv", "project_id,person_id,punched_at,lat\nP1,U1,2024-03-05T08:00,91\nP1,U1,2024-03-05T08:00,30\n"),
        ("assignments.csv", "project_id,person_id,role,start_date,end_date\nP1,U1,项目经理,2024-03-05,2024-01-01\n"),
        ("ledger.csv", "subject_kind,subject_id,rule_code,points,occurred_at\nbidder,B1,col6,2,2024-01-01\n"),
        ("complaints.csv", "complaint_id,project_id,kind,received_at,excluded_days\nC1,P1,投诉,2024-03-01,-1\n"),
        ("deposits.csv", "project_id,bidder_id,kind,amount\nP1,B1,投标保证金,-100\n"),
        ("leave.csv", "project_id,person_id,date,approved\nP1,U1,2024-03-05,maybe\n"),
        ("interviews.csv", "subject_kind,subject_id,kind,held_at\nexpert,E1,标后约谈,2024-03-05T10:00\n"),
        ("clauses.csv", "project_id,clause_no,text\nP1,1.1,投标人须在本县注册\n"),
    ];
    let owned: Vec<(&str, &[u8])> = files.iter().map(|(n, c)| (*n, c.as_bytes())).collect();
    let dir = folder(&owned);
    let ds = load(dir.path()).expect("loads");
    let cols: Vec<(String, String)> = ds.report.issues.iter().map(|i| (i.table.clone(), i.column.clone())).collect();
    for want in [
        ("employment", "month"),
        ("shareholders", "share_pct"),
        ("shareholders", "holder_kind"),
        ("attendance", "lat"),
        ("attendance", "project_id+person_id+punched_at"),
        ("assignments", "end_date"),
        ("ledger", "rule_code"),
        ("complaints", "excluded_days"),
        ("deposits", "amount"),
        ("leave", "approved"),
    ] {
        assert!(cols.contains(&(want.0.to_owned(), want.1.to_owned())), "{want:?} not reported: {cols:#?}");
    }
    assert_eq!(ds.table(TableName::Interviews).expect("i").rows_kept, 1);
    assert_eq!(ds.table(TableName::Clauses).expect("c").rows_kept, 1);
    assert!(ds.experts.get("E1").is_some(), "subject ids are interned by their kind");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]
        /// No bids row, however broken, makes ingest panic: it loads or returns an error.
        #[test]
        fn no_row_makes_ingest_panic(cells in proptest::collection::vec("\\PC{0,12}|[0-9,.\\-元万]{0,10}", 5)) {
            let row = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(",");
            let bids = format!("project_id,bidder_id,price,submitted_at,upload_ip\n{row}\nP1,B1,5,,\n");
            let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", bids.as_bytes())]);
            if let Ok(ds) = load(dir.path()) {
                let t = ds.table(TableName::Bids).expect("bids");
                let set_aside = ds.report.rows_set_aside();
                prop_assert_eq!(t.rows_kept + set_aside, t.rows_read, "every row is kept or set aside");
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", &bytes)]);
            let _ = load(dir.path());
        }
    }
}

#[test]
fn docs_data_format_shows_the_contract_as_implemented() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/data-format.md");
    let doc = fs::read_to_string(&path).expect("docs/data-format.md");
    let start = doc.find("<!-- schema -->\n").expect("start marker") + "<!-- schema -->\n".len();
    let end = doc.find("<!-- /schema -->").expect("end marker");
    assert_eq!(
        &doc[start..end],
        bidwatch_ingest::schema::markdown(),
        "docs/data-format.md is stale: regenerate the block with `cargo test -p bidwatch-ingest -- --ignored print_schema`"
    );
}

#[test]
#[ignore = "prints the schema block of docs/data-format.md"]
fn print_schema() {
    print!("{}", bidwatch_ingest::schema::markdown());
}

#[test]
fn repeated_text_is_stored_once_and_reads_back_as_written() {
    // 40 bids: a status of two values, a bond account per bidder, a hash per bid, no consortium.
    let mut bids = String::from("project_id,bidder_id,price,status,bond_account,doc_hash,consortium_id\n");
    for i in 0..40 {
        let status = if i % 10 == 3 { "withdrawn" } else { "valid" };
        bids.push_str(&format!("P{},B{},{},{status},62220000{},{:064x},\n", 1 + i % 2, i % 4, 1000 + i, i % 4, i * 7919));
    }
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", bids.as_bytes())]);
    let ds = load(dir.path()).expect("loads");
    let df = &ds.table(TableName::Bids).expect("bids").df;
    let kind = |c: &str| matches!(df.column(c).expect("column").dtype(), DataType::Categorical(..));
    assert!(kind("status") && kind("bond_account") && kind("consortium_id"), "repeated or empty text is categorical");
    assert!(!kind("doc_hash"), "distinct text stays text");
    let status = frame::strs(df, "status");
    assert_eq!(status.iter().filter(|s| s.as_deref() == Some("withdrawn")).count(), 4);
    assert_eq!(status.iter().filter(|s| s.as_deref() == Some("valid")).count(), 36);
    assert_eq!(frame::str_refs(df, "bond_account")[5], Some("622200001"));
    assert!(frame::str_iter(df, "consortium_id").all(|v| v.is_none()));
    assert!(frame::keys(df, "status").iter().all(Option::is_none), "a repeated text column's numbers are no keys");
    assert_eq!(frame::keys(df, "bidder_id")[..4], [Some(0), Some(1), Some(2), Some(3)], "an id column's are");
    // A polars expression compares the stored column with text as it would the text itself.
    let valid = df.clone().lazy().filter(col("status").neq(lit("withdrawn"))).collect().expect("filter").height();
    assert_eq!(valid, 36);
}

/// Every column of every table as text, by `table.column`.
type Columns = Vec<(String, Vec<Option<String>>)>;
/// The ingest report: row, `table.column`, action, reason.
type Issues = Vec<(u64, String, Action, String)>;

/// Every column of every table, and the ingest report: what two loads are compared on.
fn everything(ds: &bidwatch_ingest::Dataset) -> (Columns, Issues) {
    let mut cols = Vec::new();
    for (name, t) in &ds.tables {
        for c in t.df.get_column_names() {
            let text = match t.df.column(c.as_str()).expect("column").dtype() {
                DataType::String | DataType::Categorical(..) => frame::strs(&t.df, c.as_str()),
                _ => t.df.column(c.as_str()).expect("column").as_materialized_series().iter().map(|v| Some(v.to_string())).collect(),
            };
            cols.push((format!("{}.{c}", name.as_str()), text));
        }
    }
    let issues = ds.report.issues.iter().map(|i| (i.row, format!("{}.{}", i.table, i.column), i.action, i.reason.clone())).collect();
    (cols, issues)
}

#[test]
fn a_file_read_in_batches_gives_what_it_gives_read_whole() {
    // Quoted cells with commas and line breaks, bad cells, a duplicate row and a repeated key far
    // apart: read 40 bytes at a time (a batch of a record or two) and whole.
    let mut bids = String::from("project_id,bidder_id,price,status,doc_author\n");
    for i in 0..60 {
        let author = if i % 7 == 0 { "\"张三,\n李四\"".to_owned() } else { format!("作者{}", i % 5) };
        let price = if i == 13 { "abc".to_owned() } else { format!("{}", 1000 + i) };
        bids.push_str(&format!("P{},B{},{price},valid,{author}\n", 1 + i % 2, i % 9));
    }
    bids.push_str("P2,B3,1003,valid,作者3\n");
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", bids.as_bytes())]);
    let whole = bidwatch_ingest::load_in_batches_of(dir.path(), usize::MAX).expect("whole");
    let batched = bidwatch_ingest::load_in_batches_of(dir.path(), 40).expect("batched");
    assert_eq!(everything(&batched), everything(&whole));
    let (cols, issues) = everything(&batched);
    assert!(issues.iter().any(|i| i.0 == 15 && i.1 == "bids.price"), "the bad price is reported at its row: {issues:?}");
    assert!(issues.iter().any(|i| i.0 == 62 && i.3.contains("exact duplicate of row 5")), "{issues:?}");
    let authors = &cols.iter().find(|(c, _)| c == "bids.doc_author").expect("authors").1;
    assert_eq!(authors[0].as_deref(), Some("张三, 李四"), "a quoted line break stays in its cell");
    // A record with too many fields: the batches give up and the file is read whole, the record
    // set aside at its row.
    let ragged = format!("{bids}P2,B1,5,valid,x,extra\n");
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", ragged.as_bytes())]);
    let whole = bidwatch_ingest::load_in_batches_of(dir.path(), usize::MAX).expect("whole");
    let batched = bidwatch_ingest::load_in_batches_of(dir.path(), 40).expect("batched");
    assert_eq!(everything(&batched), everything(&whole));
    assert!(everything(&batched).1.iter().any(|i| i.0 == 63 && i.2 == Action::SetAside), "{:?}", everything(&batched).1);
}

#[test]
fn a_file_read_from_disk_a_few_records_at_a_time_gives_what_it_gives_whole() {
    // Read 16 to 80 bytes at a time: characters of three bytes, quoted line breaks and records cut
    // between reads; a byte-order mark; and a file that turns out not to be UTF-8 after its first
    // reads (GB18030 further on), which is then decoded whole.
    let mut bids = String::from("project_id,bidder_id,price,status,doc_author\n");
    for i in 0..40 {
        let author = if i % 5 == 0 { "\"王,\n五\"".to_owned() } else { format!("作者甲乙{}", i % 3) };
        bids.push_str(&format!("P{},B{},{},valid,{author}\n", 1 + i % 2, i, 100 + i));
    }
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), bids.as_bytes()].concat();
    let (tail, _, _) = encoding_rs::GB18030.encode("P2,B99,7,valid,后来的作者\n");
    let mixed_ascii = bids.replace("作者甲乙", "author").replace('王', "w").replace('五', "u");
    let mixed = [mixed_ascii.as_bytes(), &tail].concat();
    for file in [bids.as_bytes(), &with_bom, &mixed] {
        let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", file)]);
        let whole = bidwatch_ingest::load_in_batches_of(dir.path(), usize::MAX).expect("whole");
        for batch in [8, 40] {
            let batched = bidwatch_ingest::load_in_batches_of(dir.path(), batch).expect("batched");
            assert_eq!(everything(&batched), everything(&whole), "batches of {batch}");
        }
        assert!(whole.table(TableName::Bids).expect("bids").rows_kept >= 40);
    }
}

#[test]
fn an_empty_file_is_an_error_and_a_header_alone_an_empty_table() {
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", b"")]);
    match load(dir.path()) {
        Err(IngestError::Unreadable { path, reason }) => {
            assert!(path.ends_with("bids.csv") && reason.contains("empty file"), "{path:?}: {reason}");
        }
        other => panic!("expected an unreadable bids.csv, got {other:?}"),
    }
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", b"project_id,bidder_id,price\n")]);
    let ds = load(dir.path()).expect("a header alone loads");
    assert_eq!(ds.table(TableName::Bids).expect("bids").rows_kept, 0);
}

#[test]
fn a_quote_never_closed_stops_the_read_at_its_line() {
    // Row 4 opens a quoted cell it never closes: read on, the rest of the file would be one cell
    // and its bids lost. A quote inside an unquoted cell (`12" pipe`) is text, not a quote.
    let bids = "project_id,bidder_id,price,doc_author\nP1,B1,1,\"张,三\"\nP1,B2,2,12\" pipe\nP1,B3,3,\"李四\nP1,B4,4,王五\nP2,B5,5,赵六\n";
    for batch in [usize::MAX, 8] {
        let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", bids.as_bytes())]);
        match bidwatch_ingest::load_in_batches_of(dir.path(), batch) {
            Err(IngestError::Unreadable { path, reason }) => {
                assert!(path.ends_with("bids.csv") && reason.starts_with("line 4: a quote opens a cell"), "{path:?}: {reason}");
            }
            other => panic!("expected an unclosed quote in bids.csv, got {other:?}"),
        }
    }
    // Closed, the same file reads, the stray inch mark kept as text.
    let fixed = bids.replace("\"李四\n", "\"李四\"\n");
    let dir = folder(&[("projects.csv", PROJECTS.as_bytes()), ("bids.csv", fixed.as_bytes())]);
    let ds = bidwatch_ingest::load_in_batches_of(dir.path(), 8).expect("loads");
    let authors = frame::strs(&ds.table(TableName::Bids).expect("bids").df, "doc_author");
    assert_eq!(authors.len(), 5);
    assert_eq!(authors[1].as_deref(), Some("12\" pipe"));
}

#[test]
fn a_windows_export_with_crlf_line_ends_numbers_its_rows_as_the_spreadsheet_does() {
    // Excel and most Windows platforms end lines with \r\n: no blank record after the header, and
    // row 2 is the first record (a case file cites these numbers).
    let projects = PROJECTS.replace('\n', "\r\n");
    let bids = "project_id,bidder_id,price\r\nP1,B1,100\r\nP9,B2,200\r\nP1,B3,300\r\n";
    let dir = folder(&[("projects.csv", projects.as_bytes()), ("bids.csv", bids.as_bytes())]);
    let ds = load(dir.path()).expect("loads");
    let t = ds.table(TableName::Bids).expect("bids");
    assert_eq!((t.rows_read, t.rows_kept), (3, 2));
    let got = issues(&ds, "bids");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!((got[0].0, got[0].1.as_str()), (3, "project_id"), "{got:#?}");
    let rows: Vec<u32> = t.df.column("_row").expect("_row").u32().expect("u32").iter().flatten().collect();
    assert_eq!(rows, vec![2, 4]);
    assert_eq!(ds.table(TableName::Projects).expect("projects").rows_kept, 2);
}
