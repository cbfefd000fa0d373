//! The colours of the stylesheets meet WCAG 2.1 AA: every text colour against the
//! backgrounds it is drawn on at least 4.5:1 (3:1 for large text), and the focus
//! ring and form borders at least 3:1 against what surrounds them (non-text
//! contrast). The palettes are the custom properties of each stylesheet's `:root`;
//! no other rule may spell a colour out, so the pairs below cover every colour used.

#![cfg(test)]
#![allow(clippy::expect_used)] // test code: a stylesheet that cannot be read must fail the test

use std::collections::HashMap;

const APP_CSS: &str = include_str!("../assets/app.css");
const SCREEN_CSS: &str = include_str!("../assets/screen.css");

/// AA for normal text.
const TEXT: f64 = 4.5;
/// AA for large text (≥ 24 px, or ≥ 18.66 px bold) and for non-text contrast.
const LARGE: f64 = 3.0;

/// The custom properties declared in `:root` blocks, as RGB.
fn palette(css: &str) -> HashMap<String, (u8, u8, u8)> {
    let mut out = HashMap::new();
    let mut rest = css;
    while let Some(start) = rest.find(":root") {
        let block = &rest[start..];
        let open = block.find('{').expect("a :root block opens");
        let close = block.find('}').expect("a :root block closes");
        for declaration in strip_comments(&block[open + 1..close]).split(';') {
            let Some((name, value)) = declaration.split_once(':') else { continue };
            let name = name.trim();
            if let Some(rgb) = hex(value.trim()) {
                out.insert(name.to_owned(), rgb);
            }
        }
        rest = &block[close..];
    }
    out
}

fn strip_comments(css: &str) -> String {
    let mut out = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// `#rgb` or `#rrggbb`.
fn hex(value: &str) -> Option<(u8, u8, u8)> {
    let digits = value.strip_prefix('#')?;
    let full: String = match digits.len() {
        3 => digits.chars().flat_map(|c| [c, c]).collect(),
        6 => digits.to_owned(),
        _ => return None,
    };
    let byte = |i: usize| u8::from_str_radix(&full[i..i + 2], 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

/// Relative luminance (WCAG 2.1).
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

/// Checks `(foreground, background, minimum)` triples of custom properties.
fn check(css: &str, pairs: &[(&str, &str, f64)]) {
    let colours = palette(css);
    let mut failures = Vec::new();
    for (fg, bg, min) in pairs {
        let colour = |name: &str| *colours.get(name).unwrap_or_else(|| panic!("{name} is not in the palette"));
        let ratio = contrast(colour(fg), colour(bg));
        if ratio < *min {
            failures.push(format!("{fg} on {bg}: {ratio:.2}:1 < {min}:1"));
        }
    }
    assert!(failures.is_empty(), "contrast below WCAG AA:\n{}", failures.join("\n"));
}

/// Outside `:root`, no rule spells a colour out: the palette is all there is.
fn only_palette_colours(css: &str) {
    let css = strip_comments(css);
    let mut rest = css.as_str();
    let mut outside = String::new();
    while let Some(start) = rest.find(":root") {
        outside.push_str(&rest[..start]);
        rest = rest[start..].find('}').map_or("", |end| &rest[start + end + 1..]);
    }
    outside.push_str(rest);
    let spelled: Vec<&str> = outside
        .split([';', '{', '}'])
        .filter(|d| d.contains('#') && d.split_once(':').is_some_and(|(_, v)| v.contains('#')))
        .collect();
    assert!(spelled.is_empty(), "colours outside the palette: {spelled:?}");
    let colours = palette(&css);
    for used in outside.split("var(").skip(1) {
        let name = used.split(')').next().unwrap_or_default().trim();
        assert!(colours.contains_key(name) || !name.starts_with("--"), "var({name}) is not in the palette");
    }
}

#[test]
fn luminance_and_contrast_follow_wcag() {
    assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
    assert!((contrast((255, 255, 255), (255, 255, 255)) - 1.0).abs() < 1e-9);
    // #767676 on white is the classic AA boundary, just above 4.5.
    let grey = contrast((0x76, 0x76, 0x76), (255, 255, 255));
    assert!(grey > 4.5 && grey < 4.6, "{grey}");
    assert_eq!(hex("#fff"), Some((255, 255, 255)));
    assert_eq!(hex("#0b57d0"), Some((0x0b, 0x57, 0xd0)));
    assert_eq!(hex("white"), None);
}

#[test]
fn the_site_palette_meets_aa() {
    only_palette_colours(APP_CSS);
    check(
        APP_CSS,
        &[
            // body text, secondary text and links on the page and on panels
            ("--fg", "--bg", TEXT),
            ("--fg", "--panel", TEXT),
            ("--muted", "--bg", TEXT),
            ("--muted", "--panel", TEXT),
            ("--muted", "--th-bg", TEXT),
            ("--link", "--bg", TEXT),
            ("--link", "--panel", TEXT),
            ("--link", "--th-bg", TEXT),
            ("--fg", "--th-bg", TEXT),
            ("--fg", "--current", TEXT),
            ("--accent", "--panel", TEXT),
            ("--accent-dark", "--panel", TEXT),
            ("--accent-dark", "--error-bg", TEXT),
            ("--fg", "--error-bg", TEXT),
            ("--fg", "--ok-bg", TEXT),
            // the red bars (top of every page, primary buttons)
            ("--on-accent", "--accent", TEXT),
            // badges
            ("--on-level", "--l1", TEXT),
            ("--on-level", "--l2", TEXT),
            ("--fg", "--l3", TEXT),
            ("--ok-fg", "--ok-bg", TEXT),
            ("--off-fg", "--off-bg", TEXT),
            ("--hot-fg", "--hot-bg", TEXT),
            ("--warn-fg", "--warn-bg", TEXT),
            // non-text: the focus ring, form borders, the white ring on the red bar
            ("--focus", "--bg", LARGE),
            ("--focus", "--panel", LARGE),
            ("--input", "--panel", LARGE),
            ("--on-accent", "--accent", LARGE),
            ("--print-fg", "--print-bg", TEXT),
        ],
    );
}

#[test]
fn the_screen_and_kiosk_palette_meets_aa() {
    only_palette_colours(SCREEN_CSS);
    check(
        SCREEN_CSS,
        &[
            ("--s-fg", "--s-bg", TEXT),
            ("--s-accent", "--s-bg", TEXT),
            ("--s-soft", "--s-bg", TEXT),
            ("--s-fg", "--s-top", TEXT),
            ("--s-fg", "--s-foot", TEXT),
            ("--s-soft", "--s-foot", TEXT),
            ("--s-accent", "--s-foot", TEXT),
            ("--s-fg", "--s-tile", TEXT),
            ("--s-soft", "--s-tile", TEXT),
            ("--s-fg", "--s-tile-active", TEXT),
            ("--s-input-fg", "--s-input-bg", TEXT),
            ("--s-input-fg", "--s-accent", TEXT),
            // time cards and late counts are text too (and words say the same)
            ("--s-card-red", "--s-bg", TEXT),
            ("--s-card-yellow", "--s-bg", TEXT),
            ("--s-card-reminder", "--s-bg", TEXT),
            ("--s-late", "--s-bg", TEXT),
            // non-text: the focus ring on the page and on tiles, table rules
            ("--s-focus", "--s-bg", LARGE),
            ("--s-focus", "--s-tile-active", LARGE),
        ],
    );
}
