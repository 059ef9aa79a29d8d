//! Where import rows come from: a streaming CSV reader over an incremental decoder
//! (UTF-8 with or without BOM, GB18030/GBK detected, UTF-16 with BOM) that hashes the raw
//! bytes as it goes, or the first sheet of an xlsx workbook. Both yield records with the
//! physical line they start on (header = line 1).

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};

use calamine::{Data, Reader as _};
use csv::StringRecord;
use encoding_rs::{Decoder, DecoderResult, Encoding, GB18030, UTF_8};
use sha2::{Digest, Sha256};

use crate::dates::{from_excel_serial, iso};

const CHUNK: usize = 64 * 1024;

/// Counters shared between the byte readers and the import loop (which may read the
/// records on a thread of its own, see `loaders::each_row_pipelined`).
#[derive(Default)]
pub(crate) struct Shared {
    /// raw bytes read so far (progress)
    bytes: AtomicU64,
    /// newlines and double quotes in the decoded text so far
    newlines: AtomicU64,
    quotes: AtomicU64,
    hasher: Mutex<Sha256>,
    /// the encoding that was detected, for messages
    encoding: Mutex<Option<&'static Encoding>>,
}

/// A lock whose holder panicked still guards plain data.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Hash and count raw bytes.
    pub fn take_raw(&self, raw: &[u8]) {
        lock(&self.hasher).update(raw);
        self.bytes.fetch_add(raw.len() as u64, Relaxed);
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Relaxed)
    }

    pub fn newlines(&self) -> u64 {
        self.newlines.load(Relaxed)
    }

    pub fn quotes(&self) -> u64 {
        self.quotes.load(Relaxed)
    }

    #[cfg(test)]
    pub fn encoding(&self) -> Option<&'static Encoding> {
        *lock(&self.encoding)
    }

    fn set_encoding(&self, enc: &'static Encoding) {
        *lock(&self.encoding) = Some(enc);
    }

    /// sha-256 of the raw bytes so far, in hex
    pub fn sha256_hex(&self) -> String {
        hex::encode(lock(&self.hasher).clone().finalize())
    }
}

/// Hashes (sha-256) and counts the raw bytes as they are read.
struct Hashing<R> {
    inner: R,
    shared: Arc<Shared>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.shared.take_raw(&buf[..n]);
        Ok(n)
    }
}

/// A decoding failure, carried inside an `io::Error` through the csv reader.
#[derive(Debug)]
pub(crate) struct EncodingError {
    pub line: u64,
}

impl std::fmt::Display for EncodingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "文件编码无法识别，应为 UTF-8 或 GB18030/GBK (invalid byte: the file is neither UTF-8 nor GB18030/GBK)"
        )
    }
}

impl std::error::Error for EncodingError {}

/// Turns bytes in UTF-8 / GB18030 / UTF-16(BOM) into UTF-8, incrementally. Until the first
/// non-ASCII byte the encoding is undecided (ASCII is the same in all of them); it is then
/// decided from the bytes that follow: valid UTF-8 → UTF-8, else GB18030.
pub(crate) struct Decoding<R> {
    inner: R,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
    decoder: Option<Decoder>,
    shared: Arc<Shared>,
    started: bool,
    /// a '\r' at the end of the last chunk, held back until we know whether '\n' follows
    held_cr: bool,
    /// that held '\r' was not part of a CRLF: hand it out before the current chunk
    emit_cr: bool,
}

impl<R: Read> Decoding<R> {
    pub(crate) fn new(inner: R, shared: Arc<Shared>) -> Self {
        Decoding {
            inner,
            raw: vec![0; CHUNK],
            raw_start: 0,
            raw_end: 0,
            eof: false,
            out: vec![0; CHUNK * 3 + 16],
            out_start: 0,
            out_end: 0,
            decoder: None,
            shared,
            started: false,
            held_cr: false,
            emit_cr: false,
        }
    }

    /// Line ends as the CSV reader should see them: CRLF (Excel/WPS on Windows) becomes
    /// LF. The csv crate counts CRLF-ended lines wrongly (BurntSushi/rust-csv#395), so
    /// without this every error after the first row would name the line above it.
    /// A CRLF split across two chunks is joined through `held_cr`.
    fn fold_crlf(&mut self) {
        let out = &mut self.out[..self.out_end];
        if self.held_cr {
            self.held_cr = false;
            self.emit_cr = out.first() != Some(&b'\n');
        }
        let mut w = 0;
        for i in 0..out.len() {
            let b = out[i];
            if b == b'\r' && out.get(i + 1) == Some(&b'\n') {
                continue;
            }
            out[w] = b;
            w += 1;
        }
        if w > 0 && out[w - 1] == b'\r' {
            w -= 1;
            self.held_cr = true;
        }
        self.out_end = w;
    }

    /// Read more raw bytes, keeping the unread ones. Returns false at end of input.
    fn fill_raw(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.raw_start > 0 {
            self.raw.copy_within(self.raw_start..self.raw_end, 0);
            self.raw_end -= self.raw_start;
            self.raw_start = 0;
        }
        if self.raw_end == self.raw.len() {
            self.raw.resize(self.raw.len() * 2, 0);
        }
        loop {
            match self.inner.read(&mut self.raw[self.raw_end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.raw_end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn encoding_error(&self, written: &[u8]) -> io::Error {
        let line = self.shared.newlines() + count(written, b'\n') + 1;
        io::Error::new(io::ErrorKind::InvalidData, EncodingError { line })
    }

    /// Decide the encoding once non-ASCII bytes (or a BOM) appear; undecided while
    /// everything seen is ASCII.
    fn decide(&mut self) -> io::Result<()> {
        // Need at least 4 bytes to see a BOM (or the end of the file).
        while self.raw_end - self.raw_start < 4 && self.fill_raw()? {}
        let first = !self.started;
        self.started = true;
        let data = &self.raw[self.raw_start..self.raw_end];
        if first {
            if data.starts_with(&[0xEF, 0xBB, 0xBF])
                || data.starts_with(&[0xFF, 0xFE])
                || data.starts_with(&[0xFE, 0xFF])
            {
                // new_decoder() sniffs and removes the BOM (UTF-8 or UTF-16)
                let enc = Encoding::for_bom(data).map(|(e, _)| e).unwrap_or(UTF_8);
                self.shared.set_encoding(enc);
                self.decoder = Some(UTF_8.new_decoder());
                return Ok(());
            }
            if data.contains(&0) {
                return Err(self.encoding_error(&[]));
            }
        }
        let Some(p) = data.iter().position(|b| !b.is_ascii()) else {
            return Ok(());
        };
        // make sure a few bytes follow the first non-ASCII one (or the input ends)
        while self.raw_end - (self.raw_start + p) < 8 && self.fill_raw()? {}
        let tail = &self.raw[self.raw_start + p..self.raw_end];
        // UTF-8 when the bytes are valid UTF-8, or when a real run of UTF-8 text (two CJK
        // characters or more) precedes a bad byte: then the file is broken, not GBK, and
        // the error is reported where the bad byte is.
        let utf8 = match std::str::from_utf8(tail) {
            Ok(_) => true,
            Err(e) => (e.error_len().is_none() && !self.eof) || e.valid_up_to() >= 6,
        };
        let enc = if utf8 { UTF_8 } else { GB18030 };
        self.shared.set_encoding(enc);
        self.decoder = Some(enc.new_decoder_without_bom_handling());
        Ok(())
    }

    /// Produce more decoded bytes into `out`. Returns false at the end.
    fn produce(&mut self) -> io::Result<bool> {
        self.out_start = 0;
        self.out_end = 0;
        if self.raw_start == self.raw_end && !self.fill_raw()? {
            if let Some(dec) = self.decoder.as_mut() {
                // flush a sequence cut off at the end of the file
                let (res, _, written) =
                    dec.decode_to_utf8_without_replacement(&[], &mut self.out, true);
                if let DecoderResult::Malformed(_, _) = res {
                    return Err(self.encoding_error(&self.out[..written]));
                }
                self.out_end = written;
                self.decoder = None;
                self.fold_crlf();
                self.account();
                return Ok(written > 0);
            }
            return Ok(false);
        }
        if self.decoder.is_none() {
            self.decide()?;
        }
        match self.decoder.as_mut() {
            None => {
                // still all ASCII: pass the ASCII prefix through unchanged
                let data = &self.raw[self.raw_start..self.raw_end];
                let n = data
                    .iter()
                    .position(|b| !b.is_ascii())
                    .unwrap_or(data.len())
                    .min(self.out.len());
                if data[..n].contains(&0) {
                    return Err(self.encoding_error(&[]));
                }
                self.out[..n].copy_from_slice(&data[..n]);
                self.raw_start += n;
                self.out_end = n;
            }
            Some(dec) => {
                let src = &self.raw[self.raw_start..self.raw_end];
                let (res, read, written) =
                    dec.decode_to_utf8_without_replacement(src, &mut self.out, false);
                if let DecoderResult::Malformed(_, _) = res {
                    return Err(self.encoding_error(&self.out[..written]));
                }
                self.raw_start += read;
                self.out_end = written;
            }
        }
        self.fold_crlf();
        self.account();
        Ok(true)
    }

    fn account(&self) {
        let out = &self.out[..self.out_end];
        self.shared.newlines.fetch_add(count(out, b'\n'), Relaxed);
        self.shared.quotes.fetch_add(count(out, b'"'), Relaxed);
    }
}

fn count(hay: &[u8], needle: u8) -> u64 {
    hay.iter().filter(|&&b| b == needle).count() as u64
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.emit_cr {
                self.emit_cr = false;
                buf[0] = b'\r';
                return Ok(1);
            }
            if self.out_start < self.out_end {
                break;
            }
            if !self.produce()? {
                if self.held_cr || self.emit_cr {
                    // a lone '\r' at the very end of the file
                    self.held_cr = false;
                    self.emit_cr = false;
                    buf[0] = b'\r';
                    return Ok(1);
                }
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

/// Decode a whole file held in memory the way the importer does (UTF-8 with or without
/// BOM, GB18030/GBK detected, UTF-16 with BOM). Err: the line of the bad byte and why.
pub(crate) fn decode_all(bytes: &[u8]) -> Result<String, (u64, String)> {
    let shared = Arc::new(Shared::default());
    let mut d = Decoding::new(bytes, shared);
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 2);
    d.read_to_end(&mut out).map_err(|e| {
        match e.get_ref().and_then(|r| r.downcast_ref::<EncodingError>()) {
            Some(enc) => (enc.line, enc.to_string()),
            None => (0, e.to_string()),
        }
    })?;
    String::from_utf8(out).map_err(|e| (0, e.to_string()))
}

/// One record as the loaders see it.
pub(crate) struct Item<'a> {
    pub line: u64,
    pub rec: &'a StringRecord,
    /// a problem with the record itself (field count, unbalanced quote)
    pub problem: Option<String>,
}

/// Why a file could not be read at all.
pub(crate) enum Fatal {
    /// at a line (encoding)
    Line(u64, String),
    /// the whole file (I/O, not a workbook…)
    File(String),
}

/// Records of one file, header first.
pub(crate) enum Records<'a> {
    Csv(Box<CsvRecords<'a>>),
    Rows(RowRecords),
}

pub(crate) struct CsvRecords<'a> {
    rdr: csv::Reader<Decoding<Hashing<Box<dyn Read + Send + 'a>>>>,
    cur: StringRecord,
    nxt: StringRecord,
    has_cur: bool,
    width: usize,
    shared: Arc<Shared>,
}

pub(crate) struct RowRecords {
    rows: std::vec::IntoIter<(u64, StringRecord)>,
    cur: StringRecord,
    width: usize,
    pub header: Option<(u64, StringRecord)>,
    raw: Option<calamine::Range<Data>>,
    start_row: u64,
    /// rows above the header (a title block), not read
    skip: usize,
}

fn csv_error(e: csv::Error) -> Fatal {
    let line = e.position().map(|p| p.line());
    if let csv::ErrorKind::Io(io) = e.kind() {
        if let Some(enc) = io.get_ref().and_then(|r| r.downcast_ref::<EncodingError>()) {
            return Fatal::Line(enc.line, enc.to_string());
        }
        return Fatal::File(io.to_string());
    }
    match line {
        Some(l) => Fatal::Line(l, e.to_string()),
        None => Fatal::File(e.to_string()),
    }
}

impl<'a> Records<'a> {
    /// A streaming CSV over any reader.
    pub fn csv(reader: Box<dyn Read + Send + 'a>, shared: Arc<Shared>) -> Records<'a> {
        let hashing = Hashing {
            inner: reader,
            shared: shared.clone(),
        };
        let dec = Decoding::new(hashing, shared.clone());
        let rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(CHUNK)
            .from_reader(dec);
        Records::Csv(Box::new(CsvRecords {
            rdr,
            cur: StringRecord::new(),
            nxt: StringRecord::new(),
            has_cur: false,
            width: 0,
            shared,
        }))
    }

    /// The first sheet of an xlsx workbook (already in memory).
    pub fn xlsx(bytes: &[u8], shared: &Shared) -> Result<Records<'static>, Fatal> {
        Records::xlsx_after(bytes, shared, 0)
    }

    /// The first sheet of an xlsx workbook whose header is below `skip` rows (a title
    /// block, as exports from other systems have).
    pub fn xlsx_after(
        bytes: &[u8],
        shared: &Shared,
        skip: usize,
    ) -> Result<Records<'static>, Fatal> {
        shared.take_raw(bytes);
        let cursor = io::Cursor::new(bytes.to_vec());
        let mut wb = calamine::Xlsx::new(cursor).map_err(|e| {
            Fatal::File(format!(
                "不是有效的 xlsx 工作簿 (not a readable xlsx workbook): {e}"
            ))
        })?;
        let range = match wb.worksheet_range_at(0) {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                return Err(Fatal::File(format!(
                    "无法读取第一个工作表 (cannot read the first sheet): {e}"
                )))
            }
            None => {
                return Err(Fatal::File(
                    "工作簿没有工作表 (the workbook has no sheet)".into(),
                ))
            }
        };
        let start_row = range.start().map(|(r, _)| r as u64).unwrap_or(0);
        let header = range.rows().nth(skip).map(|cells| {
            let rec: StringRecord = cells.iter().map(|c| cell_text(c, false)).collect();
            (start_row + skip as u64 + 1, rec)
        });
        Ok(Records::Rows(RowRecords {
            rows: Vec::new().into_iter(),
            cur: StringRecord::new(),
            width: 0,
            header,
            raw: Some(range),
            start_row,
            skip,
        }))
    }

    /// The header record (line 1 for CSV). None for an empty file.
    pub fn header(&mut self) -> Result<Option<StringRecord>, Fatal> {
        match self {
            Records::Csv(c) => loop {
                let mut h = StringRecord::new();
                if !c.rdr.read_record(&mut h).map_err(csv_error)? {
                    return Ok(None);
                }
                if h.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                c.width = h.len();
                c.has_cur = c.rdr.read_record(&mut c.cur).map_err(csv_error)?;
                return Ok(Some(h));
            },
            Records::Rows(r) => Ok(r.header.as_ref().map(|(_, h)| {
                r.width = h.len();
                h.clone()
            })),
        }
    }

    /// For xlsx: convert the data rows now that the date columns are known.
    pub fn set_date_fields(&mut self, date_fields: &[usize]) {
        if let Records::Rows(r) = self {
            if let Some(range) = r.raw.take() {
                let mut rows = Vec::new();
                for (i, cells) in range.rows().enumerate().skip(r.skip + 1) {
                    let rec: StringRecord = cells
                        .iter()
                        .enumerate()
                        .map(|(j, c)| cell_text(c, date_fields.contains(&j)))
                        .collect();
                    rows.push((r.start_row + i as u64 + 1, rec));
                }
                r.rows = rows.into_iter();
            }
        }
    }

    /// The next non-blank record.
    pub fn next(&mut self) -> Result<Option<Item<'_>>, Fatal> {
        match self {
            Records::Csv(c) => c.next(),
            Records::Rows(r) => loop {
                let Some((line, rec)) = r.rows.next() else {
                    return Ok(None);
                };
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                r.cur = rec;
                let problem = width_problem(r.width, r.cur.len());
                return Ok(Some(Item {
                    line,
                    rec: &r.cur,
                    problem,
                }));
            },
        }
    }
}

impl Records<'_> {
    /// [`Records::next`] into a record of the caller's: the record read is swapped into
    /// `out` (whose old buffer is reused for a later read). Returns its line and problem.
    pub fn next_into(
        &mut self,
        out: &mut StringRecord,
    ) -> Result<Option<(u64, Option<String>)>, Fatal> {
        let Some(item) = self.next()? else {
            return Ok(None);
        };
        let (line, problem) = (item.line, item.problem);
        let handed = match self {
            // `next` handed out `nxt`; the next read overwrites whatever is left there
            Records::Csv(c) => &mut c.nxt,
            Records::Rows(r) => &mut r.cur,
        };
        std::mem::swap(handed, out);
        Ok(Some((line, problem)))
    }
}

fn width_problem(width: usize, n: usize) -> Option<String> {
    (n != width)
        .then(|| format!("字段数应为 {width}，实为 {n} (expected {width} fields, found {n})"))
}

impl CsvRecords<'_> {
    fn next(&mut self) -> Result<Option<Item<'_>>, Fatal> {
        loop {
            if !self.has_cur {
                return Ok(None);
            }
            self.has_cur = self.rdr.read_record(&mut self.nxt).map_err(csv_error)?;
            std::mem::swap(&mut self.cur, &mut self.nxt);
            // self.nxt now holds the record to hand out, self.cur the one after it
            let rec = &self.nxt;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            let last = !self.has_cur;
            let problem = if last && !self.shared.quotes().is_multiple_of(2) {
                Some("引号不配对 (unbalanced quote: a quoted field is never closed)".to_string())
            } else {
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                width_problem(self.width, rec.len())
            };
            return Ok(Some(Item {
                line,
                rec: &self.nxt,
                problem,
            }));
        }
    }
}

/// Text of an xlsx cell; in a date column numbers are Excel date serials.
fn cell_text(c: &Data, date: bool) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => {
            if date {
                from_excel_serial(*i as f64)
                    .map(iso)
                    .unwrap_or_else(|| i.to_string())
            } else {
                i.to_string()
            }
        }
        Data::Float(f) => {
            if date {
                from_excel_serial(*f)
                    .map(iso)
                    .unwrap_or_else(|| f.to_string())
            } else if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                // shortest text that reads back as the same f64: 12345.67 stays 12345.67
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Data::DateTime(dt) => from_excel_serial(dt.as_f64())
            .map(iso)
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> Result<(String, &'static str), String> {
        let shared = Arc::new(Shared::default());
        let mut d = Decoding::new(bytes, shared.clone());
        let mut s = Vec::new();
        d.read_to_end(&mut s).map_err(|e| {
            let line = e
                .get_ref()
                .and_then(|r| r.downcast_ref::<EncodingError>())
                .map(|x| x.line)
                .unwrap_or(0);
            format!("line {line}")
        })?;
        let enc = shared.encoding().map(|e| e.name()).unwrap_or("ascii");
        Ok((String::from_utf8(s).unwrap(), enc))
    }

    #[test]
    fn detects_utf8_bom_gb18030_and_bad_bytes() {
        let text = "项目编码,日期\nWG-2025,2025-03-01\n元江县澧江街道\n";
        assert_eq!(decode_all(text.as_bytes()).unwrap().1, "UTF-8");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode_all(&bom).unwrap().0, text);
        let (gbk, _, _) = GB18030.encode(text);
        let (back, enc) = decode_all(&gbk).unwrap();
        assert_eq!(back, text);
        assert_eq!(enc, "gb18030");
        // a long ASCII prefix, then GBK: decided at the first non-ASCII byte
        let mut long = "code,name\n".repeat(20_000).into_bytes();
        long.extend_from_slice(&GB18030.encode("甘庄街道\n").0);
        let (back, enc) = decode_all(&long).unwrap();
        assert!(back.ends_with("甘庄街道\n"));
        assert_eq!(enc, "gb18030");
        // Latin-1 é followed by ASCII is neither UTF-8 nor GB18030
        assert_eq!(decode_all(b"a,b\nc,d\ncaf\xe9,x\n").unwrap_err(), "line 3");
    }
}
