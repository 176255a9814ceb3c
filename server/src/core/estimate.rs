//! R8: the estimated wait of a place in a service's queue.

use super::Hall;

impl Hall {
    /// Open windows (signed in, not paused) that serve a service.
    pub(super) fn windows_serving(&self, service: &str) -> u32 {
        let n = self
            .windows
            .values()
            .filter(|w| w.staff.is_some() && w.paused.is_none())
            .filter(|w| w.primary.iter().chain(&w.secondary).any(|s| s == service))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// R8: tickets ahead × recent mean handling time ÷ open windows, rounded; `None` when no window
    /// serves the service now.
    pub(crate) fn estimate(&self, service: &str, ahead: u32) -> Option<u32> {
        let windows = self.windows_serving(service);
        if windows == 0 {
            return None;
        }
        let expected = self
            .cfg
            .service(service)
            .map_or(10, |s| s.info.expected_minutes);
        let mean_ms = match self.stats.get(&format!("service:{service}")) {
            Some(s) if s.served >= self.cfg.rules.estimate_min_served.max(1) => {
                s.handle_ms / i64::from(s.served)
            }
            _ => i64::from(expected) * 60_000,
        };
        let total_ms = i64::from(ahead) * mean_ms / i64::from(windows);
        Some(u32::try_from((total_ms + 30_000) / 60_000).unwrap_or(u32::MAX))
    }
}
