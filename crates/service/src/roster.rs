//! Reading a roster file as schools export them: CSV in UTF-8 (with or without the BOM
//! Excel writes), UTF-16 (Excel's "Unicode text", tab-separated) or Big5 (older school
//! systems), quoted fields included; or an Excel workbook (`.xlsx`, its first sheet).
//! The header names the columns, in English or in Chinese, in any order (see
//! `binddesk_domain::rules::roster::COLUMNS`). Every line is checked by the domain; each
//! bad line is reported with its number, and a file with any bad line imports nothing.

use crate::store::RosterRow;
use binddesk_domain::rules::roster::{COLUMNS, RosterEntry, repeated_students};
use std::path::Path;

/// The largest roster file read (a city's 250,000 students take about 20 MB of CSV).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// The most lines read.
pub const MAX_LINES: usize = 1_000_000;

/// A bad line of a roster file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineError {
    /// The line (CSV) or row (spreadsheet) number, counting the header as 1.
    pub line: usize,
    /// What is wrong, naming the column.
    pub message: String,
}

/// A roster file, read and checked.
#[derive(Debug, Clone, Default)]
pub struct RosterFile {
    /// The good lines.
    pub rows: Vec<RosterRow>,
    /// The line number of each good line.
    pub lines: Vec<usize>,
    /// Every bad line.
    pub errors: Vec<LineError>,
    /// How the file was read: `UTF-8`, `UTF-16LE`, `Big5` or `xlsx`.
    pub format: &'static str,
}

/// Reads and checks a roster file. An `Err` is a problem with the whole file (missing,
/// too large, not a roster); bad lines are in [`RosterFile::errors`].
pub fn read(path: &Path) -> Result<RosterFile, String> {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{} is {size} bytes; a roster may have at most {MAX_FILE_BYTES}",
            path.display()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let is_xlsx =
        path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) || bytes.starts_with(b"PK\x03\x04");
    let (records, format) = if is_xlsx {
        (xlsx_records(bytes)?, "xlsx")
    } else {
        let (text, encoding) = decode(&bytes)?;
        (csv_records(&text)?, encoding)
    };
    Ok(check(records, format))
}

/// The text of a CSV file: a BOM decides; else UTF-8 if it is valid, else Big5.
fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(format!("the file says it is {} but is not", encoding.name()));
        }
        return Ok((text.into_owned(), encoding.name()));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::BIG5.decode_without_bom_handling(bytes);
    if had_errors {
        return Err("the file is neither UTF-8 nor Big5 text (save it as CSV UTF-8 or as .xlsx)".into());
    }
    Ok((text.into_owned(), "Big5"))
}

/// (line number, cells or why the line cannot be read) of each record, header first.
type Records = Vec<(usize, Result<Vec<String>, String>)>;

fn csv_records(text: &str) -> Result<Records, String> {
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.contains('\t') && !first.contains(',') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    // Line numbers are counted here from each record's byte offset: the csv crate's own
    // are off by one after blank lines and CRLF line ends.
    let bytes = text.as_bytes();
    let (mut scanned, mut line) = (0usize, 1usize);
    let mut line_at = |offset: u64| {
        let mut start = (offset as usize).min(bytes.len());
        while start < bytes.len() && (bytes[start] == b'\n' || bytes[start] == b'\r') {
            start += 1;
        }
        if start > scanned {
            line += bytes[scanned..start].iter().filter(|&&b| b == b'\n').count();
            scanned = start;
        }
        line
    };
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        if n > MAX_LINES {
            return Err(format!("more than {MAX_LINES} lines"));
        }
        match record {
            Ok(r) => {
                let line = line_at(r.position().map_or(0, |p| p.byte()));
                out.push((line, Ok(r.iter().map(str::to_string).collect())));
            }
            Err(e) => {
                let line = line_at(e.position().map_or(0, |p| p.byte()));
                out.push((line, Err(format!("not readable CSV: {e}"))));
            }
        }
    }
    Ok(out)
}

fn xlsx_records(bytes: Vec<u8>) -> Result<Records, String> {
    use calamine::Reader;
    let mut book =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a readable .xlsx: {e}"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("the workbook has no sheet")?
        .map_err(|e| format!("the first sheet: {e}"))?;
    if range.height() > MAX_LINES + 1 {
        return Err(format!("more than {MAX_LINES} rows"));
    }
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let cell = |d: &calamine::Data| match d {
        // Codes typed as numbers: 383401, not 383401.0.
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    };
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| (first_row + i + 1, Ok(row.iter().map(cell).collect())))
        .collect())
}

/// The column of each of [`COLUMNS`] in the header.
fn header_columns(header: &[String]) -> Result<[usize; 7], String> {
    let names: Vec<String> =
        header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    let mut out = [0; 7];
    for (slot, (en, zh)) in out.iter_mut().zip(COLUMNS) {
        *slot = names.iter().position(|n| n == en || n == zh).ok_or_else(|| {
            let all: Vec<String> = COLUMNS.iter().map(|(en, zh)| format!("{en} ({zh})")).collect();
            format!("the header has no {en} ({zh}) column; it needs {}", all.join(", "))
        })?;
    }
    Ok(out)
}

fn check(records: Records, format: &'static str) -> RosterFile {
    let mut file = RosterFile { format, ..RosterFile::default() };
    let blank = |cells: &Result<Vec<String>, String>| {
        cells.as_ref().is_ok_and(|c| c.iter().all(|c| c.trim().is_empty()))
    };
    let mut records = records.into_iter().filter(|(_, cells)| !blank(cells));
    let Some((header_line, header)) = records.next() else {
        file.errors.push(LineError { line: 1, message: "the file is empty".into() });
        return file;
    };
    let columns = match header.and_then(|h| header_columns(&h)) {
        Ok(c) => c,
        Err(message) => {
            file.errors.push(LineError { line: header_line, message });
            return file;
        }
    };
    for (line, cells) in records {
        let cells = match cells {
            Ok(c) => c,
            Err(message) => {
                file.errors.push(LineError { line, message });
                continue;
            }
        };
        let ordered: Vec<&str> = columns.iter().map(|&i| cells.get(i).map_or("", String::as_str)).collect();
        match RosterEntry::from_cells(&ordered) {
            Ok(row) => {
                file.rows.push(row);
                file.lines.push(line);
            }
            Err(message) => file.errors.push(LineError { line, message }),
        }
    }
    for (i, j) in repeated_students(&file.rows) {
        let message =
            format!("the same student as line {}: a student is in one class of one school", file.lines[j]);
        file.errors.push(LineError { line: file.lines[i], message });
    }
    file.errors.sort_by_key(|e| e.line);
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_told_apart() {
        let text = "學校代碼,學生姓名\n383401,陳曉明\n";
        assert_eq!(decode(text.as_bytes()).unwrap(), (text.to_string(), "UTF-8"));
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap(), (text.to_string(), "UTF-8"));
        let (big5, _, _) = encoding_rs::BIG5.encode(text);
        assert_eq!(decode(&big5).unwrap(), (text.to_string(), "Big5"));
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16).unwrap(), (text.to_string(), "UTF-16LE"));
        assert!(decode(b"\xFF\xFF\xFF\x80").is_err());
    }

    #[test]
    fn bad_lines_are_reported_by_number_and_quotes_hold_commas() {
        let text = "student_name,school_code,school_name,class_id,class_name,school_level,student_id\n\
                    \"陳,曉明\",383401,臺北市私立日曜學校,383401-201,資訊二忠,高中,A123456789\n\
                    \n\
                    王小明,383401,臺北市私立日曜學校,383401-201,資訊二忠,大學,A123456789\n\
                    王小明,383401,臺北市私立日曜學校,383401-201,資訊二忠,高中,A123456789\n";
        let file = check(csv_records(text).unwrap(), "UTF-8");
        assert_eq!(file.rows.len(), 2, "{:?}", file.errors);
        let crlf = check(csv_records(&text.replace('\n', "\r\n")).unwrap(), "UTF-8");
        assert_eq!(crlf.errors, file.errors, "Excel's CRLF line ends count the same lines");
        assert_eq!(file.rows[0].student_name, "陳,曉明");
        let lines: Vec<usize> = file.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [4, 5], "{:?}", file.errors);
        assert!(file.errors[0].message.starts_with("school_level"));
        assert!(file.errors[1].message.contains("line 2"));
    }

    #[test]
    fn a_header_without_a_column_is_refused() {
        let file = check(csv_records("school_code,student_id\n1,A123456789\n").unwrap(), "UTF-8");
        assert_eq!(file.errors.len(), 1);
        assert!(file.errors[0].message.contains("school_name (學校名稱)"), "{:?}", file.errors);
    }
}
