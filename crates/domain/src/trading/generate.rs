//! Synthetic compiled releases for benchmarks and load tests.

/// `count` small compiled releases as JSON lines (no trailing newline), the same for the
/// same `seed`. They average about 225 bytes and exercise every indicator: priced bids
/// and a single award, tender periods and bidder counts, and classified awards with
/// values and dates, drawn from a few hundred buyers and a few thousand tenderers.
pub fn generate_releases(count: usize, seed: u64) -> impl Iterator<Item = String> {
    let mut random = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    (0..count).map(move |index| random.release(index))
}

/// Marsaglia's xorshift64: plenty for spreading test data, and dependency-free.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn release(&mut self, index: usize) -> String {
        let buyer = self.below(300);
        match self.below(10) {
            0..=2 => {
                let winner = self.below(3000);
                let loser = self.below(3000);
                let price = 1000 + self.below(9000);
                let gap = self.below(price / 4 + 1);
                let status = if self.below(8) == 0 { "disqualified" } else { "valid" };
                format!(
                    r#"{{"ocid":"o-{index}","buyer":{{"id":"B{buyer}"}},"bids":{{"details":[{{"status":"valid","tenderers":[{{"id":"T{winner}"}}],"value":{{"amount":{price},"currency":"CNY"}}}},{{"status":"{status}","tenderers":[{{"id":"T{loser}"}}],"value":{{"amount":{},"currency":"CNY"}}}}]}},"awards":[{{"status":"active","suppliers":[{{"id":"T{winner}"}}]}}]}}"#,
                    price + gap
                )
            }
            3..=7 => {
                let method = ["open", "selective", "limited", "direct"][usize::try_from(self.below(4)).unwrap_or(0)];
                let day = 1 + self.below(28);
                let days = 5 + self.below(25);
                let bidders = 1 + self.below(5);
                format!(
                    r#"{{"ocid":"o-{index}","buyer":{{"id":"B{buyer}"}},"tender":{{"procurementMethod":"{method}","numberOfTenderers":{bidders},"tenderPeriod":{{"startDate":"2024-03-{day:02}T09:00:00Z","endDate":"2024-04-{:02}T09:00:00Z"}}}}}}"#,
                    (day + days) % 28 + 1
                )
            }
            _ => {
                let supplier = self.below(3000);
                let class = self.below(60);
                let amount = 10_000 + self.below(2_500_000);
                let day = 1 + self.below(28);
                let month = 1 + self.below(12);
                format!(
                    r#"{{"ocid":"o-{index}","buyer":{{"id":"B{buyer}"}},"awards":[{{"status":"active","date":"2024-{month:02}-{day:02}T00:00:00Z","value":{{"amount":{amount},"currency":"CNY"}},"suppliers":[{{"id":"T{supplier}"}}],"items":[{{"classification":{{"id":"A{class:02}01"}}}}]}}]}}"#
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_json_of_the_intended_size() {
        let first: Vec<String> = generate_releases(2000, 7).collect();
        let again: Vec<String> = generate_releases(2000, 7).collect();
        assert_eq!(first, again);
        assert_ne!(first, generate_releases(2000, 8).collect::<Vec<_>>());
        let total: usize = first.iter().map(String::len).sum();
        let average = total / first.len();
        assert!((180..=270).contains(&average), "average {average} bytes");
        for line in &first {
            assert!(serde_json::from_str::<serde_json::Value>(line).is_ok(), "{line}");
        }
    }
}
