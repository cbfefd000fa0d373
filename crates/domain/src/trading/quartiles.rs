//! Sample quantiles by Hyndman and Fan's definition 8 (median-unbiased whatever the
//! distribution), the definition cardinal's statistics library uses, so fences match.

/// The `p`-quantile (0 ≤ p ≤ 1) of `data`; NaN for empty data or `p` out of range, as
/// cardinal reports then (its fences become `null` in the output and flag nothing).
#[must_use]
pub fn quantile(data: &[f64], p: f64) -> f64 {
    if data.is_empty() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_of_sorted(&sorted, p)
}

/// As [`quantile`], for data already sorted ascending.
#[must_use]
pub fn quantile_of_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let h = (n as f64 + 1.0 / 3.0) * p + 1.0 / 3.0;
    let h_floor = h.floor();
    if h_floor <= 0.0 || p == 0.0 {
        return sorted[0];
    }
    if h_floor >= n as f64 || (p - 1.0).abs() < f64::EPSILON {
        return sorted[n - 1];
    }
    // h_floor is in 1..n here, so both indexes are in bounds.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let index = h_floor as usize;
    let below = sorted[index - 1];
    let above = sorted[index];
    (h - h_floor).mul_add(above - below, below)
}

/// First and third quartiles.
#[must_use]
pub fn quartiles(data: &[f64]) -> (f64, f64) {
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    (quantile_of_sorted(&sorted, 0.25), quantile_of_sorted(&sorted, 0.75))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn matches_cardinal_documented_r024_example() {
        // Seven ratios of 100 and two of 0: cardinal documents q1 66.6667, q3 100.
        let mut data = vec![100.0; 7];
        data.extend([0.0, 0.0]);
        let (q1, q3) = quartiles(&data);
        assert!(close(q1, 200.0 / 3.0), "{q1}");
        assert!(close(q3, 100.0), "{q3}");
    }

    #[test]
    fn small_samples() {
        assert!(quantile(&[], 0.5).is_nan());
        assert!(close(quantile(&[3.0], 0.25), 3.0));
        assert!(close(quantile(&[1.0, 1.0, 1.0, 1.0, 2.0], 0.75), 4.0 / 3.0));
        assert!(close(quantile(&[1.0, 2.0, 3.0, 4.0], 0.0), 1.0));
        assert!(close(quantile(&[1.0, 2.0, 3.0, 4.0], 1.0), 4.0));
        // h = 4⅓ · 0.5 + ⅓ = 2.5: halfway between the 2nd and 3rd values.
        assert!(close(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), 2.5));
    }
}
