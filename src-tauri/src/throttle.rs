//! Progress throttling: at most one update per interval, but the first update
//! is always sent at once and the caller always sends the last one.

use std::time::{Duration, Instant};

pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub struct Throttle {
    every: Duration,
    last: Option<Instant>,
}

impl Throttle {
    pub fn new(every: Duration) -> Self {
        Self { every, last: None }
    }

    /// True when an update may be sent now (and records that it was).
    pub fn ready(&mut self) -> bool {
        self.ready_at(Instant::now())
    }

    fn ready_at(&mut self, now: Instant) -> bool {
        match self.last {
            Some(t) if now.duration_since(t) < self.every => false,
            _ => {
                self.last = Some(now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_is_sent_then_at_most_one_per_interval() {
        let mut t = Throttle::new(Duration::from_millis(100));
        let start = Instant::now();
        assert!(t.ready_at(start));
        assert!(!t.ready_at(start + Duration::from_millis(10)));
        assert!(!t.ready_at(start + Duration::from_millis(99)));
        assert!(t.ready_at(start + Duration::from_millis(100)));
        assert!(!t.ready_at(start + Duration::from_millis(150)));
        assert!(t.ready_at(start + Duration::from_millis(250)));
    }
}
