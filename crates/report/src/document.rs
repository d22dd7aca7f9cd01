//! A report as data — a title, a few facts, and tables — and its four renderings: a terminal table,
//! Markdown, a self-contained printable HTML page, and an XLSX workbook with one sheet per table.
//! Every rendering of the same document is byte-for-byte the same on every run (the workbook's
//! creation time is fixed).

use std::fmt::Write as _;

/// One table of a report: a sheet of the workbook, a section of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A report.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub facts: Vec<(String, String)>,
    pub tables: Vec<Table>,
    /// The report's language, for the page.
    pub zh: bool,
}

/// Display width: CJK and full-width characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 => {
                2
            }
            _ => 1,
        })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl Document {
    /// A terminal table: columns padded by display width, long cells cut at 60 columns.
    pub fn text(&self) -> String {
        let cut = |s: &str| {
            let mut out = String::new();
            for ch in s.chars() {
                if width(&out) + width(&ch.to_string()) > 60 {
                    out.push('…');
                    break;
                }
                out.push(ch);
            }
            out
        };
        let mut s = format!("{}\n", self.title);
        let fw = self.facts.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
        for (k, v) in &self.facts {
            let _ = writeln!(s, "  {}  {v}", pad(k, fw));
        }
        for t in &self.tables {
            let _ = if self.zh {
                writeln!(s, "\n  {}（{}）", t.name, t.rows.len())
            } else {
                writeln!(s, "\n  {} ({})", t.name, t.rows.len())
            };
            if t.rows.is_empty() {
                continue;
            }
            let rows: Vec<Vec<String>> = t.rows.iter().map(|r| r.iter().map(|c| cut(c)).collect()).collect();
            let widths: Vec<usize> = (0..t.headers.len())
                .map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| width(c)).chain([width(&t.headers[i])]).max().unwrap_or(0))
                .collect();
            let line = |cells: &[String]| {
                let parts: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
                format!("  {}", parts.join("  ").trim_end())
            };
            let _ = writeln!(s, "{}", line(&t.headers));
            for r in &rows {
                let _ = writeln!(s, "{}", line(r));
            }
        }
        s
    }

    pub fn markdown(&self) -> String {
        let cell = |c: &str| c.replace('|', "\\|").replace('\n', " ");
        let mut s = format!("# {}\n\n", self.title);
        for (k, v) in &self.facts {
            let _ = writeln!(s, "- **{k}**: {}", cell(v));
        }
        for t in &self.tables {
            let _ = writeln!(s, "\n## {}\n", t.name);
            if t.rows.is_empty() {
                let _ = writeln!(s, "{}", if self.zh { "（无）" } else { "(none)" });
                continue;
            }
            let _ = writeln!(s, "| {} |", t.headers.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | "));
            let _ = writeln!(s, "|{}|", vec!["---"; t.headers.len()].join("|"));
            for r in &t.rows {
                let _ = writeln!(s, "| {} |", r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
            }
        }
        s
    }

    /// A self-contained page: no scripts, no external files; fonts that show Chinese; prints on A4.
    pub fn html(&self) -> String {
        let mut body = format!("<h1>{}</h1>\n<dl>\n", esc(&self.title));
        for (k, v) in &self.facts {
            let _ = writeln!(body, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
        }
        body.push_str("</dl>\n");
        for t in &self.tables {
            let _ = if self.zh {
                writeln!(body, "<h2>{}（{}）</h2>", esc(&t.name), t.rows.len())
            } else {
                writeln!(body, "<h2>{} ({})</h2>", esc(&t.name), t.rows.len())
            };
            if t.rows.is_empty() {
                let _ = writeln!(body, "<p class=\"none\">{}</p>", if self.zh { "（无）" } else { "(none)" });
                continue;
            }
            body.push_str("<table>\n<thead><tr>");
            for h in &t.headers {
                let _ = write!(body, "<th>{}</th>", esc(h));
            }
            body.push_str("</tr></thead>\n<tbody>\n");
            for r in &t.rows {
                body.push_str("<tr>");
                for c in r {
                    let _ = write!(body, "<td>{}</td>", esc(c));
                }
                body.push_str("</tr>\n");
            }
            body.push_str("</tbody></table>\n");
        }
        format!(
            "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\n\
             body{{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;margin:2em;color:#222;font-size:14px}}\n\
             h1{{font-size:22px;border-bottom:2px solid #933;padding-bottom:.3em}} h2{{font-size:17px;margin-top:1.6em}}\n\
             dl{{display:grid;grid-template-columns:max-content auto;gap:.2em 1.2em}} dt{{font-weight:bold}} dd{{margin:0}}\n\
             table{{border-collapse:collapse;width:100%}} th,td{{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}}\n\
             th{{background:#f0f0f5}} td:not(:last-child),th{{white-space:nowrap}} tr:nth-child(even) td{{background:#fafafa}} .none{{color:#777}}\n\
             @page{{size:A4;margin:15mm}} @media print{{body{{margin:0}} h2{{break-after:avoid}} tr{{break-inside:avoid}}}}\n\
             </style></head>\n<body>\n{body}</body></html>\n",
            if self.zh { "zh-CN" } else { "en" },
            esc(&self.title)
        )
    }

    /// One sheet per table (the facts first, as 概况 / Overview), headers in bold, widths by content.
    pub fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        // a fixed creation time: the same report, the same bytes
        wb.set_properties(
            &DocProperties::new()
                .set_title(&self.title)
                .set_author("bidwatch")
                .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
        );
        let bold = Format::new().set_bold();
        let mut used: Vec<String> = Vec::new();
        // sheet names: at most 31 characters, no []:*?/\ and unique
        let mut sheet_name = |name: &str| {
            let base: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(28).collect();
            let mut n = base.clone();
            let mut k = 2;
            while used.contains(&n) {
                n = format!("{base}{k}");
                k += 1;
            }
            used.push(n.clone());
            n
        };
        let overview = Table {
            name: if self.zh { "概况".into() } else { "Overview".into() },
            headers: vec![if self.zh { "项目".into() } else { "item".into() }, if self.zh { "内容".into() } else { "value".into() }],
            rows: std::iter::once(vec![if self.zh { "报告".into() } else { "report".into() }, self.title.clone()])
                .chain(self.facts.iter().map(|(k, v)| vec![k.clone(), v.clone()]))
                .collect(),
        };
        for t in std::iter::once(&overview).chain(&self.tables) {
            let ws = wb.add_worksheet();
            ws.set_name(sheet_name(&t.name))?;
            for (c, h) in t.headers.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, h, &bold)?;
            }
            for (r, row) in t.rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    ws.write_string(r as u32 + 1, c as u16, v)?;
                }
            }
            for c in 0..t.headers.len() {
                let w =
                    t.rows.iter().filter_map(|r| r.get(c)).map(|v| width(v)).chain([width(&t.headers[c])]).max().unwrap_or(8).clamp(6, 60);
                ws.set_column_width(c as u16, w as f64 + 2.0)?;
            }
        }
        wb.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        Document {
            title: "项目报告 P1".into(),
            facts: vec![("交易类型".into(), "工程建设".into())],
            tables: vec![Table {
                name: "投标".into(),
                headers: vec!["投标人".into(), "报价".into()],
                rows: vec![vec!["甲公司".into(), "1,000.00".into()], vec!["B2|x".into(), "2".into()]],
            }],
            zh: true,
        }
    }

    #[test]
    fn renderings_align_escape_and_repeat() {
        let d = doc();
        let text = d.text();
        // the CJK header is padded by display width: "投标人" is 6 columns, as wide as "甲公司"
        assert!(text.contains("  投标人  报价\n  甲公司  1,000.00\n"), "{text}");
        assert!(d.markdown().contains("| B2\\|x | 2 |"));
        assert!(d.html().contains("<td>甲公司</td>") && d.html().contains("lang=\"zh-CN\""));
        assert_eq!(d.xlsx().expect("xlsx"), d.xlsx().expect("xlsx"), "same document, same bytes");
        assert_eq!(width("甲a"), 3);
    }
}
