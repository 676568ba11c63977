//! [`History`]: reports over time, and the page that draws them.

use core::fmt::Write as _;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::{snapshot, Report, Row};

/// A bounded ring of [`Report`]s, the oldest dropped when it is full, and
/// [`to_html`](History::to_html): a page with each map's length and bytes
/// over time, so a leak is a rising line.
///
/// Nothing records by itself: call [`record`](History::record) at an
/// interval (a thread that sleeps a second between calls, a timer task, the
/// request that serves the page). Share one between threads behind a
/// `Mutex`. Memory is bounded by `capacity` reports of the named maps.
///
/// # Examples
///
/// ```
/// use leakless::{registry::History, Tracked};
/// use std::collections::HashMap;
///
/// let mut leak = Tracked::new(HashMap::new(), "history-doc-leak");
/// let mut history = History::new(60);
/// for minute in 0..10u64 {
///     leak.insert(minute, "never removed");
///     history.record();
/// }
/// assert_eq!(history.len(), 10);
/// let page = history.to_html();
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains("history-doc-leak"));
/// ```
#[derive(Clone, Debug)]
pub struct History {
    samples: VecDeque<(Instant, Report)>,
    capacity: usize,
}

impl History {
    /// An empty history that keeps the latest `capacity` reports (none
    /// when `capacity` is 0). Allocates nothing until the first report.
    ///
    /// # Examples
    ///
    /// ```
    /// let history = leakless::registry::History::new(120);
    /// assert_eq!((history.len(), history.capacity()), (0, 120));
    /// ```
    pub fn new(capacity: usize) -> Self {
        History {
            samples: VecDeque::new(),
            capacity,
        }
    }

    /// Takes a [`snapshot`](super::snapshot) of every named map and keeps
    /// it. Does not touch what [`report`](super::report) measures growth
    /// from.
    ///
    /// *O*(n log n) in the named maps, like `snapshot`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut history = leakless::registry::History::new(2);
    /// history.record();
    /// assert_eq!(history.len(), 1);
    /// ```
    pub fn record(&mut self) {
        if self.capacity > 0 {
            self.push(snapshot());
        }
    }

    /// Keeps `report`, taken now; the oldest report goes if the history is
    /// full. *O*(1) (amortized while the ring first grows).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::registry::{self, History};
    ///
    /// let mut history = History::new(1);
    /// history.push(registry::snapshot());
    /// history.push(registry::snapshot());
    /// assert_eq!(history.len(), 1);
    /// ```
    pub fn push(&mut self, report: Report) {
        if self.capacity == 0 {
            return;
        }
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back((Instant::now(), report));
    }

    /// Reports kept.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether no report is kept.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// How many reports it keeps at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The reports, oldest first, each with the time since the oldest.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut history = leakless::registry::History::new(3);
    /// history.record();
    /// history.record();
    /// let times: Vec<_> = history.iter().map(|(at, _)| at).collect();
    /// assert_eq!(times.len(), 2);
    /// assert!(times[0] <= times[1]);
    /// ```
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (Duration, &Report)> + ExactSizeIterator {
        let start = self.samples.front().map(|(at, _)| *at);
        self.samples
            .iter()
            .map(move |(at, r)| (start.map_or(Duration::ZERO, |s| at.duration_since(s)), r))
    }

    /// The latest report.
    pub fn latest(&self) -> Option<&Report> {
        self.samples.back().map(|(_, r)| r)
    }

    /// The maps alive in the latest report, growth measured from the oldest
    /// (a map born since counts from 0), fastest-growing first: the order
    /// of the page's table.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{registry::History, BoundedMap};
    ///
    /// let mut m = BoundedMap::<u64, u64>::builder().capacity(100).name("history-doc-growth").build();
    /// let mut history = History::new(10);
    /// history.record();
    /// m.extend((0..50).map(|i| (i, i)));
    /// history.record();
    /// assert_eq!(history.growth().get("history-doc-growth").unwrap().len_growth, 50);
    /// ```
    pub fn growth(&self) -> Report {
        match (self.samples.front(), self.samples.back()) {
            (Some((_, first)), Some((_, last))) => last.diff(first),
            _ => Report::default(),
        }
    }

    /// One self-contained HTML page (inline CSS and SVG; no script, no
    /// external asset): a table of the maps alive in the latest report,
    /// fastest-growing over the history first, each with a chart of its
    /// length (solid line) and bytes (dashed) across the history, each line
    /// scaled from 0 to its own peak. Serve it with content type
    /// `text/html; charset=utf-8`.
    ///
    /// *O*(reports × maps).
    ///
    /// # Examples
    ///
    /// ```
    /// let page = leakless::registry::History::new(10).to_html();
    /// assert!(page.contains("No report recorded yet"));
    /// ```
    pub fn to_html(&self) -> String {
        let growth = self.growth();
        let span = self.iter().next_back().map_or(Duration::ZERO, |(at, _)| at);
        // Each map's (seconds since the oldest report, len, bytes), by id.
        let mut series: HashMap<u64, Vec<(f64, usize, usize)>> =
            growth.rows.iter().map(|r| (r.id, Vec::new())).collect();
        for (at, report) in self.iter() {
            for row in &report.rows {
                if let Some(points) = series.get_mut(&row.id) {
                    points.push((at.as_secs_f64(), row.len, row.bytes));
                }
            }
        }

        let mut page = String::with_capacity(4096 + growth.rows.len() * 1024);
        page.push_str(HEAD);
        if self.is_empty() {
            page.push_str("<p>No report recorded yet.</p>\n</body>\n</html>\n");
            return page;
        }
        let _ = writeln!(
            page,
            "<p>{} maps, {} reports over {:.1} s, fastest-growing first. \
             <span class=\"len\">&#9472; len</span> \
             <span class=\"bytes\">&#9476; bytes</span>, each from 0 to its peak.</p>",
            growth.rows.len(),
            self.len(),
            span.as_secs_f64()
        );
        page.push_str(
            "<table>\n<thead><tr><th>map</th><th>kind</th><th>len</th><th>capacity</th>\
             <th>bytes</th><th>len growth</th><th>bytes growth</th>\
             <th>evicted</th><th>over time</th></tr></thead>\n<tbody>\n",
        );
        let total = span.as_secs_f64();
        for row in &growth.rows {
            let points = series.get(&row.id).map_or(&[][..], Vec::as_slice);
            write_row(&mut page, row, points, total);
        }
        page.push_str("</tbody>\n</table>\n</body>\n</html>\n");
        page
    }
}

const HEAD: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<title>leakless: named maps</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #ddd; text-align: right; }
th { background: #f4f4f4; }
th:nth-child(-n+2), th:last-child { text-align: left; }
td.name, td.kind { text-align: left; font-family: ui-monospace, monospace; }
tr.growing td.name { color: #b00020; font-weight: bold; }
.len { color: #1f5fbf; }
.bytes { color: #d9730d; }
svg { background: #fafafa; border: 1px solid #e4e4e4; }
svg path { fill: none; stroke-width: 2; }
svg path.len { stroke: #1f5fbf; }
svg path.bytes { stroke: #d9730d; stroke-dasharray: 5 3; }
</style>
</head>
<body>
<h1>Named maps</h1>
";

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 60.0;
const PAD: f64 = 4.0;

fn write_row(page: &mut String, row: &Row, points: &[(f64, usize, usize)], total: f64) {
    let growing = row.len_growth > 0 || row.bytes_growth > 0;
    let name = escape(&row.name);
    let capacity = if row.capacity == usize::MAX {
        "-".to_string()
    } else {
        row.capacity.to_string()
    };
    let e = &row.evictions;
    let _ = write!(
        page,
        "<tr{}><td class=\"name\">{name}</td><td class=\"kind\">{}</td><td>{}</td><td>{capacity}</td>\
         <td>{}</td><td>{:+}</td><td>{:+}</td><td>{}</td><td>",
        if growing { " class=\"growing\"" } else { "" },
        escape(row.kind),
        row.len,
        row.bytes,
        row.len_growth,
        row.bytes_growth,
        e.total(),
    );
    let peak_len = points.iter().map(|p| p.1).max().unwrap_or(0);
    let peak_bytes = points.iter().map(|p| p.2).max().unwrap_or(0);
    let _ = write!(
        page,
        "<svg data-map=\"{name}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         role=\"img\" aria-label=\"{name}: len up to {peak_len}, bytes up to {peak_bytes}\">\
         <title>{name}: len up to {peak_len}, bytes up to {peak_bytes}</title>"
    );
    write_path(
        page,
        "len",
        points.iter().map(|p| (p.0, p.1)),
        peak_len,
        total,
    );
    write_path(
        page,
        "bytes",
        points.iter().map(|p| (p.0, p.2)),
        peak_bytes,
        total,
    );
    page.push_str("</svg></td></tr>\n");
}

/// A polyline through `points` (seconds, value), x from 0 to `total`
/// seconds, y from 0 to `peak`; a single point is drawn as a flat line.
fn write_path(
    page: &mut String,
    class: &str,
    points: impl ExactSizeIterator<Item = (f64, usize)>,
    peak: usize,
    total: f64,
) {
    let single = points.len() == 1;
    let _ = write!(page, "<path class=\"{class}\" d=\"");
    for (i, (at, value)) in points.enumerate() {
        let x = if total > 0.0 {
            PAD + at / total * (WIDTH - 2.0 * PAD)
        } else {
            PAD
        };
        let y = if peak == 0 {
            HEIGHT - PAD
        } else {
            HEIGHT - PAD - value as f64 / peak as f64 * (HEIGHT - 2.0 * PAD)
        };
        let _ = write!(page, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { " L" });
        if single {
            let _ = write!(page, " H{:.1}", WIDTH - PAD);
        }
    }
    page.push_str("\"/>");
}

/// `s` with the five characters HTML gives meaning escaped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
