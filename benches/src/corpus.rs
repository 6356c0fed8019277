//! What the two corpus generators (`gen_corpus`, `gen_mixed`) share: the PRNG, ids, time
//! formatting, lorem-style filler and the common command-line flags. Standard library only.
//!
//! Both generators promise the same bytes for the same arguments, and the corpora's expected
//! totals (and the benchmark numbers quoted for them) depend on those bytes. So nothing here may
//! change what it draws from the PRNG, in what order, or what it writes; `gen_mixed` also caches
//! corpora by its `FORMAT_VERSION`, which would have to be bumped.

use std::fmt;
use std::path::PathBuf;

pub const MS_PER_DAY: i64 = 86_400_000;
pub const HOUR: i64 = 3_600_000;

// ---------------------------------------------------------------- PRNG

/// splitmix64: tiny, fast, good enough for synthetic data.
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Log-uniform in `lo..hi` (both > 0).
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> u64 {
        (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp() as u64
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    pub fn weighted<T: Copy>(&mut self, xs: &[(T, u32)]) -> T {
        let total: u32 = xs.iter().map(|x| x.1).sum();
        let mut r = self.below(u64::from(total)) as u32;
        for &(v, w) in xs {
            if r < w {
                return v;
            }
            r -= w;
        }
        xs[xs.len() - 1].0
    }
}

// ---------------------------------------------------------------- ids

pub const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const HEX: &[u8] = b"0123456789abcdef";

/// A short id kept inline (no heap allocation): the first `n` bytes of `b`.
#[derive(Clone, Copy, Debug)]
pub struct Id {
    pub b: [u8; 64],
    pub n: u8,
}

impl Default for Id {
    fn default() -> Self {
        Id { b: [0; 64], n: 0 }
    }
}

impl Id {
    pub fn as_bytes(&self) -> &[u8] {
        &self.b[..usize::from(self.n)]
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or("id")
    }
}

/// `prefix` followed by `n` characters drawn from `alphabet`.
pub fn make_id(rng: &mut Rng, prefix: &[u8], n: usize, alphabet: &[u8]) -> Id {
    let mut id = Id::default();
    id.b[..prefix.len()].copy_from_slice(prefix);
    for slot in &mut id.b[prefix.len()..prefix.len() + n] {
        *slot = alphabet[rng.below(alphabet.len() as u64) as usize];
    }
    id.n = (prefix.len() + n) as u8;
    id
}

/// The canonical 8-4-4-4-12 hex form of 16 bytes.
pub fn uuid_from(bytes: [u8; 16]) -> Id {
    let mut id = Id {
        n: 36,
        ..Id::default()
    };
    let mut p = 0;
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.b[p] = b'-';
            p += 1;
        }
        id.b[p] = HEX[usize::from(byte >> 4)];
        id.b[p + 1] = HEX[usize::from(byte & 15)];
        p += 2;
    }
    id
}

pub fn uuid_v4(rng: &mut Rng) -> Id {
    let mut bytes = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())).to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid_from(bytes)
}

// ---------------------------------------------------------------- output helpers

/// Appending JSON pieces to a line being built.
pub trait Emit {
    fn s(&mut self, x: &str);
    fn num(&mut self, n: u64);
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`
    fn ts(&mut self, ms: i64);
    /// `ts`, in quotes.
    fn qts(&mut self, ms: i64);
    fn quoted(&mut self, x: &[u8]);
    fn qs(&mut self, x: &str);
    fn float(&mut self, x: f64, decimals: usize);
}

impl Emit for Vec<u8> {
    fn s(&mut self, x: &str) {
        self.extend_from_slice(x.as_bytes());
    }
    fn num(&mut self, mut n: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.extend_from_slice(&tmp[i..]);
    }
    fn ts(&mut self, ms: i64) {
        let (y, m, d, hh, mm, ss) = civil_time(ms);
        let rem = ms.rem_euclid(1000) as u64;
        let fields = [
            (y as u64, 4, b'-'),
            (u64::from(m), 2, b'-'),
            (u64::from(d), 2, b'T'),
            (u64::from(hh), 2, b':'),
            (u64::from(mm), 2, b':'),
            (u64::from(ss), 2, b'.'),
            (rem, 3, b'Z'),
        ];
        for (v, width, sep) in fields {
            let mut div = 10u64.pow(width - 1);
            while div > 0 {
                self.push(b'0' + (v / div % 10) as u8);
                div /= 10;
            }
            self.push(sep);
        }
    }
    fn qts(&mut self, ms: i64) {
        self.push(b'"');
        self.ts(ms);
        self.push(b'"');
    }
    fn quoted(&mut self, x: &[u8]) {
        self.push(b'"');
        self.extend_from_slice(x);
        self.push(b'"');
    }
    fn qs(&mut self, x: &str) {
        self.quoted(x.as_bytes());
    }
    fn float(&mut self, x: f64, decimals: usize) {
        self.s(&format!("{x:.decimals$}"));
    }
}

// ---------------------------------------------------------------- dates

/// (year, month, day) of a day number counted from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The day number (from 1970-01-01) of a date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day, hour, minute, second) of a UTC millisecond time.
pub fn civil_time(ms: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (y, m, d) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    let rem = ms.rem_euclid(MS_PER_DAY) / 1000;
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem / 60 % 60) as u32,
        (rem % 60) as u32,
    )
}

/// `YYYY-MM-DD` of a day number.
pub fn day_string(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

// Relative activity per UTC hour (a working day, mostly).
const HOUR_WEIGHTS: [u32; 24] = [
    1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 10, 9, 10, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1,
];

/// A time on one of the `days` days from `start_ms`: a random day, weighted toward working
/// hours (UTC).
pub fn working_time(rng: &mut Rng, start_ms: i64, days: i64) -> i64 {
    let day = rng.below(days as u64) as i64;
    let hours: [(i64, u32); 24] = std::array::from_fn(|h| (h as i64, HOUR_WEIGHTS[h]));
    let hour = rng.weighted(&hours);
    start_ms + day * MS_PER_DAY + hour * HOUR + rng.below(HOUR as u64) as i64
}

/// `(index, weight)` for `n` projects: Zipf-ish activity (a few busy projects, a long tail),
/// shuffled so the busiest is not always project 0.
pub fn project_weights(rng: &mut Rng, n: usize) -> Vec<(usize, u32)> {
    let mut weights: Vec<(usize, u32)> = (0..n)
        .map(|i| (i, (1000.0 / ((i + 1) as f64).powf(0.8)) as u32))
        .collect();
    for i in (1..weights.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        let w = weights[i].1;
        weights[i].1 = weights[j].1;
        weights[j].1 = w;
    }
    weights
}

// ---------------------------------------------------------------- filler text

// Lorem-style words. Deliberately free of JSON key names, of "null" and of the words Scopeon's
// byte pre-filters look for (`"usage":{`, `:null`, `"type":"assistant"`, `tokens`,
// `token_count`, `sessionId`, `kind`, …), so a pre-filter never fires on text.
#[rustfmt::skip]
pub const WORDS: &[&str] = &[
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do",
    "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim",
    "ad", "minim", "veniam", "quis", "nostrud", "exercitation", "ullamco", "laboris", "nisi",
    "aliquip", "ex", "ea", "commodo", "consequat", "duis", "aute", "irure", "in", "reprehenderit",
    "voluptate", "velit", "esse", "cillum", "fugiat", "pariatur", "excepteur", "sint", "occaecat",
    "cupidatat", "non", "proident", "sunt", "culpa", "qui", "officia", "deserunt", "mollit",
    "anim", "est", "laborum", "vitae", "porta", "lacus", "felis", "augue",
];

// Tokens carrying JSON escapes, non-ASCII text and code punctuation. Already JSON-escaped;
// none contains a space, so cutting text at a space is always safe.
const SPECIAL: &[&str] = &[
    r#"\"lorem\""#,
    r#"\"ipsum\":"#,
    r"caf\u00e9",
    "naïve",
    "façade",
    "Größe",
    "→",
    "—",
    "✓",
    "…",
    "日本語",
    "😀",
    r"\u2014",
    r"C:\\tmp\\lorem",
    r"\t=",
    "fn",
    "let",
    "{",
    "}",
    "();",
    "x.len()",
    "&mut",
    "Vec<u8>",
    "//",
    "#[derive(Debug)]",
    "->",
    "=>",
    "[0..n]",
    "'a'",
    "<div>",
    "</div>",
    "$HOME",
    "~/src/lorem",
    "a/b/c.rs:42",
    "100%",
    r#"println!(\"{}\","#,
];

/// Pre-built pools that text and signatures are cut from, so filling is a copy.
pub struct Filler {
    pool: Vec<u8>,
    sig: Vec<u8>,
}

impl fmt::Debug for Filler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filler")
            .field("pool_bytes", &self.pool.len())
            .field("sig_bytes", &self.sig.len())
            .finish()
    }
}

impl Filler {
    const POOL_BYTES: usize = 4 << 20;

    pub fn new(seed: u64) -> Self {
        let mut rng = Rng(seed ^ 0x005E_EDF1_11E4);
        let mut pool = Vec::with_capacity(Self::POOL_BYTES + 64);
        while pool.len() < Self::POOL_BYTES {
            let word = if rng.chance(0.07) {
                rng.pick(SPECIAL)
            } else {
                rng.pick(WORDS)
            };
            pool.extend_from_slice(word.as_bytes());
            let r = rng.below(1000);
            if r < 60 {
                pool.extend_from_slice(b".");
            } else if r < 90 {
                pool.extend_from_slice(b",");
            }
            let r = rng.below(1000);
            if r < 50 {
                pool.extend_from_slice(br"\n");
            } else if r < 65 {
                pool.extend_from_slice(br"\n\n");
            } else if r < 75 {
                pool.extend_from_slice(br"\n   ");
            }
            pool.push(b' ');
        }
        let sig = (0..65_536)
            .map(|_| {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [rng.below(64) as usize]
            })
            .collect();
        Filler { pool, sig }
    }

    /// About `len` bytes of JSON-escaped text (cut at word boundaries).
    pub fn text(&self, rng: &mut Rng, len: usize) -> &[u8] {
        let len = len.clamp(1, self.pool.len() / 2);
        let pool = &self.pool;
        let mut start = rng.below((pool.len() - len - 256) as u64) as usize;
        while pool[start] != b' ' {
            start += 1;
        }
        start += 1;
        let mut end = start + len;
        while pool[end] != b' ' {
            end += 1;
        }
        &pool[start..end]
    }

    /// `len` base64-alphabet characters (thinking signatures and the like).
    pub fn signature(&self, rng: &mut Rng, len: usize) -> &[u8] {
        let len = len.min(self.sig.len() / 2);
        let start = rng.below((self.sig.len() - len) as u64) as usize;
        &self.sig[start..start + len]
    }
}

// ---------------------------------------------------------------- CLI

/// The flags both generators take.
#[derive(Debug)]
pub struct Args {
    pub out: PathBuf,
    pub size: u64,
    pub seed: u64,
    pub start_day: i64,
    pub days: i64,
    pub expected: Option<PathBuf>,
}

/// A byte size: `200MB`, `1.5GB`, `512MiB`, `50000000` (KB/MB/GB are powers of 10).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let value: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = value * mult;
    (1.0..1e13).contains(&bytes).then_some(bytes as u64)
}

/// `YYYY-MM-DD` to a day number.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if it.next().is_some()
        || !(1970..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// How `parse_args` asks a generator about a flag that is not one of the shared ones.
pub type ValueFn<'a> = dyn FnMut() -> Result<String, String> + 'a;

/// Parses `args` (without the program name): the shared flags, as `--flag value` or
/// `--flag=value`. Any other flag goes to `extra(flag as written, name, value)`, which takes
/// the flag's value by calling `value` if it has one and returns `Ok(false)` for a flag it does
/// not know either. `Err("")` means `-h`/`--help`; any other `Err` is the message to print.
/// `out_what` names the `--out` directory in the error, `size_examples` the `--size` examples.
pub fn parse_args(
    args: impl IntoIterator<Item = String>,
    out_what: &str,
    size_examples: &str,
    mut extra: impl FnMut(&str, &str, &mut ValueFn<'_>) -> Result<bool, String>,
) -> Result<Args, String> {
    let mut out = None;
    let mut size = None;
    let mut seed = 42;
    let mut start_day = days_from_civil(2026, 9, 1);
    let mut days = 60;
    let mut expected = None;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (flag.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--size" => {
                let v = value()?;
                size = Some(
                    parse_size(&v)
                        .ok_or_else(|| format!("bad --size {v:?} (try {size_examples})"))?,
                );
            }
            "--seed" => {
                let v = value()?;
                seed = v.parse().map_err(|_| format!("bad --seed {v:?}"))?;
            }
            "--start" => {
                let v = value()?;
                start_day =
                    parse_date(&v).ok_or_else(|| format!("bad --start {v:?} (want YYYY-MM-DD)"))?;
            }
            "--days" => {
                let v = value()?;
                days = v
                    .parse::<i64>()
                    .ok()
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or_else(|| format!("bad --days {v:?} (1..=3650)"))?;
            }
            "--expected" => expected = Some(PathBuf::from(value()?)),
            _ => {
                if !extra(&flag, &name, &mut value)? {
                    return Err(format!("unknown argument {flag:?}"));
                }
            }
        }
    }
    Ok(Args {
        out: out.ok_or_else(|| format!("--out {out_what} is required"))?,
        size: size.ok_or("--size SIZE is required")?,
        seed,
        start_day,
        days,
        expected,
    })
}
