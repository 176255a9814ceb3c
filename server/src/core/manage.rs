//! The manager's live changes: the hall board's notices and the services a window serves.

use qcall_protocol::{ApiError, ErrorCode, Event, Millis, WindowNo};

use super::{Change, Effects, Hall, Reply, err, json};

impl Hall {
    pub(super) fn set_notices(
        &mut self,
        notices: Vec<String>,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        if notices.len() > 20
            || notices
                .iter()
                .any(|n| n.trim().is_empty() || n.chars().count() > 200)
        {
            return Err(err(
                ErrorCode::BadRequest,
                "give at most 20 notices, each 1–200 characters",
            ));
        }
        self.notices = notices.clone();
        fx.changes.push(Change::Notices(notices.clone()));
        fx.events.push(Event::Notices {
            notices: notices.clone(),
        });
        fx.detail = json(&notices);
        Ok(Reply::Notices(notices))
    }

    pub(super) fn set_window_services(
        &mut self,
        number: WindowNo,
        primary: Vec<String>,
        secondary: Vec<String>,
        _now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self
            .windows
            .get(&number)
            .ok_or_else(|| err(ErrorCode::UnknownWindow, format!("no window {number}")))?;
        if primary.is_empty() {
            return Err(err(
                ErrorCode::BadRequest,
                "a window needs at least one primary service",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for s in primary.iter().chain(&secondary) {
            if self.cfg.service(s).is_none() {
                return Err(err(ErrorCode::UnknownService, format!("no service {s:?}")));
            }
            if !seen.insert(s) {
                return Err(err(
                    ErrorCode::BadRequest,
                    format!("service {s:?} is listed twice"),
                ));
            }
        }
        let before: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        if let Some(w) = self.windows.get_mut(&number) {
            w.primary = primary.clone();
            w.secondary = secondary.clone();
        }
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(before);
        fx.services
            .extend(primary.iter().chain(&secondary).cloned());
        fx.detail = json(serde_json::json!({ "primary": primary, "secondary": secondary }));
        let view = self
            .window_view(number)
            .ok_or_else(|| err(ErrorCode::Internal, "window vanished"))?;
        Ok(Reply::Window(Box::new(view)))
    }
}
