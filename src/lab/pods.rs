//! The lab's pods as the kubelet would report them, sans IO: each pod's life stage, its
//! receiver's exits and restarts, and the Pod object (spec + status) that says so. The
//! controller moves a pod along when time passes or its receiver process reports; this module
//! only decides what that means and how it reads in `kubectl get pods`.

use jiff::{SignedDuration, Timestamp};
use kedatui_core::sim::time::Nanos;
use serde_json::{Value, json};

/// Where a pod is in its life (docs/keda-semantics.md §5.2's stages, plus what a crashing receiver adds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Created, not yet scheduled.
    Pending,
    /// Scheduled; the sandbox and container are being created.
    Creating,
    /// The receiver process runs but has not connected yet: Running 0/1.
    Starting,
    /// The receiver connected and attached its link: Running 1/1.
    Ready,
    /// The receiver exited while the pod was not being deleted; the kubelet shows the exit
    /// (`Error`, `Completed`) until its next sync.
    Exited,
    /// Waiting out the restart back-off: `CrashLoopBackOff`.
    BackOff { until: Nanos },
}

/// One exit of the receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exit {
    /// The process's exit code, or 128 + signal (as the container runtime reports it).
    pub code: i32,
    pub started: Nanos,
    pub finished: Nanos,
    /// The receiver's last stderr line (`terminationMessagePolicy: FallbackToLogsOnError`).
    pub message: String,
}

impl Exit {
    /// The reason the runtime gives a terminated container.
    pub fn reason(&self) -> &'static str {
        if self.code == 0 { "Completed" } else { "Error" }
    }
}

/// The kubelet's restart back-off: 10 s doubling to 5 min (configurable start for tests).
pub const MAX_BACKOFF: SignedDuration = SignedDuration::from_secs(300);

#[derive(Clone, Debug)]
pub struct LabPod {
    pub name: String,
    pub serial: u32,
    pub created: Nanos,
    pub node: String,
    pub stage: Stage,
    pub restarts: u32,
    pub last_exit: Option<Exit>,
    /// When the current receiver process started.
    pub started: Option<Nanos>,
    pub ready_at: Option<Nanos>,
    pub deleted_at: Option<Nanos>,
    /// The next restart's back-off, nanoseconds.
    pub next_backoff: Nanos,
    /// A receiver process runs for this pod.
    pub running: bool,
}

impl LabPod {
    pub fn new(name: String, serial: u32, created: Nanos, node: String, backoff: Nanos) -> Self {
        Self {
            name,
            serial,
            created,
            node,
            stage: Stage::Pending,
            restarts: 0,
            last_exit: None,
            started: None,
            ready_at: None,
            deleted_at: None,
            next_backoff: backoff,
            running: false,
        }
    }

    pub fn is_ready(&self) -> bool {
        self.stage == Stage::Ready && self.deleted_at.is_none()
    }

    /// The receiver process started.
    pub fn process_started(&mut self, now: Nanos) {
        self.stage = Stage::Starting;
        self.started = Some(now);
        self.running = true;
    }

    /// The receiver connected (its `started` line).
    pub fn connected(&mut self, now: Nanos) {
        if self.stage == Stage::Starting && self.deleted_at.is_none() {
            self.stage = Stage::Ready;
            self.ready_at = Some(now);
        }
    }

    /// The receiver exited. A pod that is not being deleted shows the exit and counts a
    /// restart (restartPolicy Always restarts even a clean exit).
    pub fn process_exited(&mut self, now: Nanos, code: i32, message: String) {
        self.running = false;
        self.ready_at = None;
        self.last_exit = Some(Exit {
            code,
            started: self.started.unwrap_or(now),
            finished: now,
            message,
        });
        if self.deleted_at.is_none() {
            self.stage = Stage::Exited;
            self.restarts += 1;
        }
    }

    /// The kubelet's sync after an exit: wait out the back-off, which doubles for the next one.
    pub fn back_off(&mut self, now: Nanos) -> Nanos {
        let wait = self.next_backoff;
        self.stage = Stage::BackOff { until: now + wait };
        self.next_backoff = wait
            .saturating_add(wait)
            .min(Nanos::from_duration(MAX_BACKOFF));
        wait
    }

    /// `ActivePodsWithRanks.Less` reduced to what the lab knows (§5.2): unscheduled before
    /// scheduled, not running before running, not ready before ready, more recently ready
    /// first, newer first. Sorting ascending lists pods in deletion order.
    pub fn deletion_key(
        &self,
    ) -> (
        u8,
        std::cmp::Reverse<Option<Nanos>>,
        std::cmp::Reverse<Nanos>,
    ) {
        let rank = match self.stage {
            Stage::Pending => 0,
            Stage::Creating => 1,
            Stage::Exited | Stage::BackOff { .. } => 2,
            Stage::Starting => 3,
            Stage::Ready => 4,
        };
        (
            rank,
            std::cmp::Reverse(self.ready_at),
            std::cmp::Reverse(self.created),
        )
    }
}

/// The names and labels every lab pod carries.
#[derive(Clone, Debug)]
pub struct PodTemplate {
    pub namespace: String,
    pub container: String,
    pub image: String,
    pub labels: serde_json::Map<String, Value>,
    pub grace_period_seconds: i64,
}

/// RFC 3339 in whole seconds, as the API server stores `metav1.Time`.
pub fn metav1_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn rfc3339(start: Timestamp, nanos: Nanos) -> String {
    metav1_time(start.saturating_add(nanos.to_duration()).unwrap_or(start))
}

/// The Pod as created: scheduled later, so no status yet beyond Pending.
pub fn pod_object(pod: &LabPod, template: &PodTemplate) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": pod.name, "namespace": template.namespace, "labels": template.labels},
        "spec": {
            "nodeName": pod.node,
            "terminationGracePeriodSeconds": template.grace_period_seconds,
            "containers": [{"name": template.container, "image": template.image,
                            "terminationMessagePolicy": "FallbackToLogsOnError"}],
        },
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]},
    })
}

/// The Pod's `status` as the kubelet would write it now (`start` is the lab clock's origin).
pub fn pod_status(pod: &LabPod, template: &PodTemplate, start: Timestamp) -> Value {
    let time = |t: Nanos| rfc3339(start, t);
    let last_state = pod.last_exit.as_ref().map(|e| {
        json!({"terminated": {"exitCode": e.code, "reason": e.reason(), "message": e.message,
                              "startedAt": time(e.started), "finishedAt": time(e.finished)}})
    });
    let container = |ready: bool, state: Value, last: Option<Value>| {
        let mut c = json!({"name": template.container, "image": template.image, "imageID": "",
                           "ready": ready, "started": state.get("waiting").is_none(),
                           "restartCount": pod.restarts, "state": state});
        if let Some(last) = last {
            c["lastState"] = last;
        }
        json!([c])
    };
    let conditions = |ready: bool| {
        let s = if ready { "True" } else { "False" };
        json!([{"type": "PodScheduled", "status": "True"},
               {"type": "Initialized", "status": "True"},
               {"type": "ContainersReady", "status": s},
               {"type": "Ready", "status": s}])
    };
    match &pod.stage {
        Stage::Pending => json!({"phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}),
        Stage::Creating => json!({"phase": "Pending", "conditions": conditions(false),
            "containerStatuses": container(false, json!({"waiting": {"reason": "ContainerCreating"}}), None)}),
        Stage::Starting | Stage::Ready => {
            let ready = pod.stage == Stage::Ready;
            let started = time(pod.started.unwrap_or(pod.created));
            json!({"phase": "Running", "conditions": conditions(ready), "startTime": time(pod.created),
                   "containerStatuses": container(ready, json!({"running": {"startedAt": started}}), last_state)})
        }
        Stage::Exited => {
            let state = last_state.clone().unwrap_or_else(|| json!({"waiting": {}}));
            json!({"phase": "Running", "conditions": conditions(false), "startTime": time(pod.created),
                   "containerStatuses": container(false, state, None)})
        }
        Stage::BackOff { until } => {
            let wait =
                (*until - pod.last_exit.as_ref().map_or(*until, |e| e.finished)).to_duration();
            let message = format!(
                "back-off {} restarting failed container={} pod={}",
                kedatui_core::kube::rows::human_duration(
                    wait.round(jiff::Unit::Second).unwrap_or(wait)
                ),
                template.container,
                pod.name
            );
            json!({"phase": "Running", "conditions": conditions(false), "startTime": time(pod.created),
                   "containerStatuses": container(false,
                        json!({"waiting": {"reason": "CrashLoopBackOff", "message": message}}), last_state)})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kedatui_core::kube::rows::pod_view;

    const S: Nanos = Nanos::from_secs(1);

    fn template() -> PodTemplate {
        let mut labels = serde_json::Map::new();
        labels.insert("app.kubernetes.io/name".into(), json!("kedasbreceiver"));
        PodTemplate {
            namespace: "keda-demo".into(),
            container: "receiver".into(),
            image: "receiver:lab".into(),
            labels,
            grace_period_seconds: 30,
        }
    }

    /// The pod as kubectl would list it: STATUS and READY through the console's own kubectl
    /// rules (`kedatui_core::kube::rows`), so the lab writes what a real kubelet's status would show.
    fn listed(pod: &LabPod) -> (String, u32, u32) {
        let t = template();
        let start = Timestamp::from_second(1_800_000_000).unwrap();
        let mut object = pod_object(pod, &t);
        object["metadata"]["creationTimestamp"] = json!(rfc3339(start, pod.created));
        object["status"] = pod_status(pod, &t, start);
        let view = pod_view(&serde_json::from_value(object).unwrap());
        (view.status, view.ready_containers, view.restarts)
    }

    #[test]
    fn a_pod_reads_like_kubectl_through_its_life() {
        let mut pod = LabPod::new(
            "kedasbreceiver-abc-x1".into(),
            0,
            Nanos::ZERO,
            "lab-node-0".into(),
            10 * S,
        );
        assert_eq!(listed(&pod), ("Pending".into(), 0, 0));
        pod.stage = Stage::Creating;
        assert_eq!(listed(&pod), ("ContainerCreating".into(), 0, 0));
        pod.process_started(3 * S);
        assert_eq!(listed(&pod), ("Running".into(), 0, 0));
        pod.connected(4 * S);
        assert!(pod.is_ready());
        assert_eq!(listed(&pod), ("Running".into(), 1, 0));
        pod.process_exited(9 * S, 137, "killed".into());
        assert_eq!(listed(&pod), ("Error".into(), 0, 1));
        assert_eq!(pod.back_off(10 * S), 10 * S);
        assert_eq!(listed(&pod), ("CrashLoopBackOff".into(), 0, 1));
        pod.process_started(20 * S);
        pod.connected(21 * S);
        assert_eq!(listed(&pod), ("Running".into(), 1, 1));
        pod.process_exited(30 * S, 1, "broker gone".into());
        assert_eq!(pod.back_off(31 * S), 20 * S, "the back-off doubles");
        assert_eq!(listed(&pod), ("CrashLoopBackOff".into(), 0, 2));
    }

    #[test]
    fn back_off_is_capped_at_five_minutes() {
        let mut pod = LabPod::new("p".into(), 0, Nanos::ZERO, "n".into(), 200 * S);
        pod.back_off(Nanos::ZERO);
        assert_eq!(pod.next_backoff, 300 * S);
        pod.back_off(Nanos::ZERO);
        assert_eq!(pod.next_backoff, 300 * S);
    }

    #[test]
    fn an_exit_while_deleting_is_not_a_restart() {
        let mut pod = LabPod::new("p".into(), 0, Nanos::ZERO, "n".into(), 10 * S);
        pod.process_started(S);
        pod.connected(2 * S);
        pod.deleted_at = Some(3 * S);
        pod.process_exited(4 * S, 0, String::new());
        assert_eq!(pod.restarts, 0);
        assert_eq!(
            pod.stage,
            Stage::Ready,
            "it stays as it was until it is removed"
        );
        assert!(!pod.running);
    }

    #[test]
    fn deletion_order_takes_unready_and_newest_first() {
        let mut ready_old = LabPod::new("a".into(), 0, Nanos::ZERO, "n".into(), S);
        ready_old.process_started(S);
        ready_old.connected(2 * S);
        let mut ready_new = LabPod::new("b".into(), 1, S, "n".into(), S);
        ready_new.process_started(2 * S);
        ready_new.connected(3 * S);
        let pending = LabPod::new("c".into(), 2, Nanos::ZERO, "n".into(), S);
        let mut starting = LabPod::new("d".into(), 3, Nanos::ZERO, "n".into(), S);
        starting.process_started(S);
        let mut pods = [&ready_old, &ready_new, &pending, &starting];
        pods.sort_by_key(|p| p.deletion_key());
        let names: Vec<_> = pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["c", "d", "b", "a"]);
    }
}
