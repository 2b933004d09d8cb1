//! How kubectl prints the pod columns the console shows (READY, RESTARTS, AGE): pure text
//! helpers over the model, shared by the kube row builders and the UI.

use jiff::{SignedDuration, Timestamp};

use crate::model::PodView;

/// READY as kubectl prints it: `1/1`.
pub fn ready_text(pod: &PodView) -> String {
    format!("{}/{}", pod.ready_containers, pod.total_containers)
}

/// RESTARTS as kubectl prints it: `0`, or `3 (45s ago)` once a container has restarted.
pub fn restarts_text(pod: &PodView, now: Timestamp) -> String {
    match pod.last_restart {
        Some(at) if pod.restarts != 0 => format!(
            "{} ({} ago)",
            pod.restarts,
            human_duration(now.duration_since(at))
        ),
        _ => pod.restarts.to_string(),
    }
}

/// AGE as kubectl prints it.
pub fn age_text(created: Timestamp, now: Timestamp) -> String {
    human_duration(now.duration_since(created))
}

/// apimachinery `duration.HumanDuration`: the precision drops as the duration grows
/// (`45s`, `3m2s`, `10m`, `125m`, `3h5m`, `12h`, `3d4h`, `30d`, `2y10d`).
pub fn human_duration(d: SignedDuration) -> String {
    let seconds = d.as_secs();
    if seconds < -1 {
        // More than the 2 s of clock skew kubectl tolerates.
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}
