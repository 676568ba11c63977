//! `registry::History` and its page: a bounded ring of reports, and one
//! self-contained HTML page with a table (fastest-growing first) and a chart
//! per map.

use std::collections::HashMap;
use std::sync::Mutex;

use leakless::registry::{self, History};
use leakless::{BoundedMap, Tracked};

/// Tests here assert on the order of whole pages: they take turns.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Checks that every element opened is closed in order (void elements and
/// `<x/>` aside) and returns the tag names in document order.
fn tags(page: &str) -> Vec<String> {
    const VOID: [&str; 2] = ["meta", "!DOCTYPE"];
    let mut open: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find('<') {
        let end = rest[at..].find('>').expect("a tag is closed") + at;
        let tag = &rest[at + 1..end];
        rest = &rest[end + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        if let Some(closing) = tag.strip_prefix('/') {
            let top = open
                .pop()
                .unwrap_or_else(|| panic!("</{closing}> closes nothing"));
            assert_eq!(top, name, "</{name}> closes <{top}>");
        } else if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
            open.push(name.clone());
        }
        seen.push(name);
    }
    assert!(open.is_empty(), "left open: {open:?}");
    seen
}

/// The `<svg>` element for `name`.
fn chart<'a>(page: &'a str, name: &str) -> &'a str {
    let at = page
        .find(&format!("<svg data-map=\"{name}\""))
        .unwrap_or_else(|| panic!("no chart for {name}"));
    let end = page[at..].find("</svg>").unwrap() + at;
    &page[at..end]
}

#[test]
fn the_page_is_self_contained_and_well_formed() {
    let _serial = serial();
    let mut leak = Tracked::new(HashMap::<u64, u64>::new(), "page-leak");
    let mut steady = BoundedMap::<u64, u64>::builder()
        .capacity(100)
        .name("page-steady")
        .build();
    let mut history = History::new(30);
    for i in 0..20u64 {
        for j in 0..100 {
            leak.insert(i * 100 + j, j);
            steady.insert(i * 100 + j, j);
        }
        let _ = leak.len();
        history.record();
    }
    let page = history.to_html();
    assert!(page.starts_with("<!DOCTYPE html>"));
    let tags = tags(&page);
    for absent in ["script", "link", "img", "iframe", "object"] {
        assert!(!tags.iter().any(|t| t == absent), "<{absent}> in the page");
    }
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(!page.contains("url("), "no external asset from CSS");
    assert!(page.contains("<meta charset=\"utf-8\">"));

    // One chart per table row, each with a len and a bytes path.
    let rows = page.matches("<tr").count() - 1; // the header row
    assert_eq!(page.matches("<svg ").count(), rows);
    assert_eq!(page.matches("<path class=\"len\"").count(), rows);
    assert_eq!(page.matches("<path class=\"bytes\"").count(), rows);
    assert!(rows >= 2);

    // The leak's len line rises from bottom left to top right: 20 points.
    let leak_chart = chart(&page, "page-leak");
    let d = leak_chart
        .split("<path class=\"len\" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let points: Vec<(f64, f64)> = d
        .split(['M', 'L'])
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let mut xy = p.split_whitespace().map(|n| n.parse::<f64>().unwrap());
            (xy.next().unwrap(), xy.next().unwrap())
        })
        .collect();
    assert_eq!(points.len(), 20);
    assert!(
        points.windows(2).all(|w| w[1].0 >= w[0].0),
        "x goes forward"
    );
    assert!(
        points.windows(2).all(|w| w[1].1 <= w[0].1),
        "y rises (SVG y points down)"
    );
    assert!(points[0].1 > points[19].1);
}

#[test]
fn the_fastest_growing_map_comes_first() {
    let _serial = serial();
    let mut slow = Tracked::new(HashMap::<u64, u64>::new(), "order-slow");
    let mut fast = Tracked::new(HashMap::<u64, u64>::new(), "order-fast");
    let mut flat = BoundedMap::<u64, u64>::builder()
        .capacity(10)
        .name("order-flat")
        .build();
    flat.extend((0..10).map(|i| (i, i)));
    let mut history = History::new(10);
    history.record();
    for i in 0..5_000u64 {
        fast.insert(i, i);
        if i % 50 == 0 {
            slow.insert(i, i);
        }
        flat.insert(i, i);
    }
    let _ = (fast.len(), slow.len());
    history.record();
    let page = history.to_html();
    let at = |name: &str| {
        page.find(&format!("<td class=\"name\">{name}</td>"))
            .unwrap_or_else(|| panic!("{name} not in the table"))
    };
    assert!(at("order-fast") < at("order-slow"));
    assert!(at("order-slow") < at("order-flat"));
    let growth = history.growth();
    let names: Vec<&str> = growth
        .rows()
        .iter()
        .map(|r| &*r.name)
        .filter(|n| n.starts_with("order-"))
        .collect();
    assert_eq!(names, ["order-fast", "order-slow", "order-flat"]);
    assert!(page.contains("<tr class=\"growing\"><td class=\"name\">order-fast</td>"));
}

#[test]
fn names_are_escaped() {
    let _serial = serial();
    let mut m = BoundedMap::<u64, u64>::builder()
        .capacity(10)
        .name("<script>\"x\"&'y'</script>")
        .build();
    m.insert(1, 1);
    let mut history = History::new(2);
    history.record();
    let page = history.to_html();
    assert!(!page.contains("<script>"));
    assert!(page.contains("&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"));
    tags(&page);
    // A single report draws flat lines, not invisible points.
    let chart = chart(
        &page,
        "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;",
    );
    assert!(chart.contains(" H"), "{chart}");
}

#[test]
fn the_ring_keeps_the_latest_reports() {
    let _serial = serial();
    let mut m = BoundedMap::<u64, u64>::builder()
        .capacity(100)
        .name("ring")
        .build();
    let mut history = History::new(3);
    for i in 0..10 {
        m.insert(i, i);
        history.record();
    }
    assert_eq!((history.len(), history.capacity()), (3, 3));
    let lens: Vec<usize> = history
        .iter()
        .map(|(_, r)| r.get("ring").unwrap().len)
        .collect();
    assert_eq!(lens, [8, 9, 10]);
    assert_eq!(history.latest().unwrap().get("ring").unwrap().len, 10);
    assert_eq!(history.growth().get("ring").unwrap().len_growth, 2);
    let (first, _) = history.iter().next().unwrap();
    assert_eq!(first, std::time::Duration::ZERO);

    history.push(registry::snapshot());
    assert_eq!(history.len(), 3);

    let mut none = History::new(0);
    none.record();
    none.push(registry::snapshot());
    assert!(none.is_empty());
    assert!(none.to_html().contains("No report recorded yet"));
    tags(&none.to_html());
}

#[test]
fn a_map_born_later_starts_its_line_later() {
    let _serial = serial();
    let mut history = History::new(10);
    history.record();
    std::thread::sleep(std::time::Duration::from_millis(20));
    history.record();
    let mut late = BoundedMap::<u64, u64>::builder()
        .capacity(10)
        .name("late")
        .build();
    late.insert(1, 1);
    std::thread::sleep(std::time::Duration::from_millis(20));
    history.record();
    let page = history.to_html();
    let chart = chart(&page, "late");
    let d = chart.split("d=\"M").nth(1).unwrap();
    let x: f64 = d.split_whitespace().next().unwrap().parse().unwrap();
    assert!(
        x > 100.0,
        "starts at the third report, not at the left edge: {chart}"
    );
}
