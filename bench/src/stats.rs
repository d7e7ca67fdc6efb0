//! Figures over interleaved rounds: the median and the spread.

use serde::Serialize;

/// A figure measured once per round.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Spread {
    /// The median over the rounds.
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Spread {
    /// The spread of `values` (at least one).
    pub(crate) fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let mut values: Vec<f64> = values.into_iter().collect();
        assert!(!values.is_empty(), "a spread of no values");
        values.sort_by(f64::total_cmp);
        let middle = values.len() / 2;
        let median = if values.len().is_multiple_of(2) {
            (values[middle - 1] + values[middle]) / 2.0
        } else {
            values[middle]
        };
        Self {
            median,
            min: values[0],
            max: values[values.len() - 1],
        }
    }

    /// The half-width of the spread, relative to the median: `(max - min) / 2 / median`.
    pub(crate) fn relative_half_width(&self) -> f64 {
        (self.max - self.min) / 2.0 / self.median
    }
}

impl std::fmt::Display for Spread {
    /// `median (min–max)`, with `precision` decimals.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let precision = f.precision().unwrap_or(2);
        write!(
            f,
            "{:.p$} ({:.p$}–{:.p$})",
            self.median,
            self.min,
            self.max,
            p = precision
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts_and_the_extremes() {
        let odd = Spread::of([3.0, 1.0, 2.0]);
        assert_eq!((odd.median, odd.min, odd.max), (2.0, 1.0, 3.0));
        let even = Spread::of([4.0, 1.0, 3.0, 2.0]);
        assert_eq!((even.median, even.min, even.max), (2.5, 1.0, 4.0));
        assert_eq!(format!("{:.1}", even), "2.5 (1.0–4.0)");
        assert!((even.relative_half_width() - 0.6).abs() < 1e-9);
    }
}
