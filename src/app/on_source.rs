//! The App's handling of what the sources report: queue counts, cluster objects and events,
//! burst and purge progress, health.

use super::*;

impl App {
    /// Virtual time a flash lasts: FLASH of wall time, stretched by the warp.
    pub(super) fn flash_span(&self) -> SignedDuration {
        SignedDuration::from_secs_f64(FLASH.as_secs_f64() * self.warp.max(1.0))
    }

    pub(super) fn flash_active_at(&self, row: &PodRow, at: Timestamp) -> bool {
        at >= row.first_seen && at.duration_since(row.first_seen) < self.flash_span()
    }

    /// Whether this pod row is flashing now (new rows flash, k9s-style).
    pub fn is_flashing(&self, row: &PodRow) -> bool {
        self.now.is_some_and(|now| self.flash_active_at(row, now))
    }

    pub(super) fn on_source(&mut self, event: SourceEvent) {
        match event {
            SourceEvent::Warp(w) => self.warp = w,
            SourceEvent::Queue(sample) => self.on_queue_sample(sample),
            SourceEvent::Pods(pods) => self.on_pods(pods),
            SourceEvent::Deployment(d) => self.on_deployment(d),
            SourceEvent::ScaledObject(so) => self.on_scaled_object(*so),
            SourceEvent::Hpa(hpa) => self.cluster.hpa = hpa.map(|h| *h),
            SourceEvent::ClusterEvent(e) => self.on_cluster_event(e),
            SourceEvent::Send(progress) => self.on_send(progress),
            SourceEvent::Purge(progress) => self.on_purge(progress),
            SourceEvent::ConsumersPaused(p) => self.queue.consumers_paused = p,
            SourceEvent::Trickle(t) => self.queue.trickle = t,
            SourceEvent::Health { source, health } => self.on_health(source, health),
            SourceEvent::ResourceHealth { resource, health } => {
                self.cluster.resource_health.insert(resource, health);
            }
        }
    }

    /// A queue sample: rates, chart depth, and the run's drain/reset bookkeeping.
    pub(super) fn on_queue_sample(&mut self, sample: QueueSample) {
        let c = &sample.counts;
        let depth = c.active + c.in_flight.unwrap_or(0);
        // The drain rate up to now, before this sample can move it.
        let drain_before = self.rates().drain_per_second;
        self.queue
            .rates
            .record_queue(sample.at, depth + c.dead_letter);
        self.queue.history.set_depth(depth);
        self.stats.peak_depth = self.stats.peak_depth.max(depth);
        let outage = std::mem::take(&mut self.queue.outage_since_sample);
        self.queue.stale = false;
        match (depth, self.stats.queue_busy_since) {
            (0, Some(since)) => {
                let prev = self.queue.sample.as_ref().map(|q| {
                    let d = q.counts.active + q.counts.in_flight.unwrap_or(0);
                    (d, q.at)
                });
                let reset = match prev {
                    Some((d, at)) if outage && d > 0 => {
                        faults::vanished_in_outage(d, at, drain_before, sample.at).then_some(d)
                    }
                    _ => None,
                };
                let drained = sample.at.duration_since(since);
                self.stats.last_emptied = Some(match reset {
                    Some(depth) => faults::Emptied::Reset { depth },
                    None => faults::Emptied::Drained(drained),
                });
                self.stats.last_drain = Some(drained);
                self.stats.queue_busy_since = None;
            }
            (1.., None) => self.stats.queue_busy_since = Some(sample.at),
            _ => {}
        }
        // Messages that left without activating KEDA did not cause a later activation.
        if depth == 0
            && !self.keda_active()
            && self.stats.pending_trigger.is_some_and(|t| sample.at > t)
        {
            self.stats.pending_trigger = None;
        }
        self.queue.sample = Some(sample);
    }

    pub(super) fn on_deployment(&mut self, d: DeploymentView) {
        self.stats.peak_replicas = self.stats.peak_replicas.max(d.spec_replicas);
        self.queue
            .history
            .set_replicas(d.spec_replicas, d.ready_replicas);
        self.cluster.deployment = Some(d);
    }

    pub(super) fn on_scaled_object(&mut self, so: ScaledObjectView) {
        let active = so
            .conditions
            .iter()
            .any(|c| c.type_ == "Active" && c.status == "True");
        // Active when first seen: KEDA activated before this run (a rehearsal's
        // cooldown), so it answers no message of ours.
        let activated = active && self.cluster.scaled_object.is_some() && !self.keda_active();
        self.cluster.scaled_object = Some(so);
        if activated {
            let at = self.now;
            self.on_keda_activated(at);
        }
    }

    pub(super) fn on_purge(&mut self, progress: PurgeProgress) {
        let delta = progress.removed.saturating_sub(self.queue.purge_seen);
        self.queue.rates.record_purged(delta);
        self.queue.purge_seen = if progress.done { 0 } else { progress.removed };
        if let Some(err) = &progress.error {
            self.prompt.notice = Some(Notice {
                level: NoticeLevel::Warning,
                text: format!("purge failed: {err}"),
            });
        }
        self.queue.purge = Some(progress);
    }

    pub(super) fn on_health(&mut self, source: SourceKind, health: Health) {
        if source == SourceKind::Queue && !matches!(health, Health::Connected) {
            self.queue.stale = true;
            self.queue.outage_since_sample = true;
        }
        if source == SourceKind::Cluster {
            self.note_cluster_health(&health);
        }
        self.health.insert(source.into(), health);
    }

    /// Why the events panel has nothing to show, when the Events API cannot be read:
    /// `forbidden` (RBAC), `not served` (an API server without it), or the reason.
    pub fn events_unavailable(&self) -> Option<String> {
        use crate::event::ErrorKind;
        match self.cluster.resource_health.get(&ClusterResource::Events)? {
            Health::Down(err) => Some(match &err.kind {
                ErrorKind::Forbidden { .. } => "forbidden".into(),
                ErrorKind::NotFound => "not served".into(),
                ErrorKind::Unauthorized => "unauthorized".into(),
                _ => err.message.clone(),
            }),
            _ => None,
        }
    }

    pub(super) fn on_pods(&mut self, pods: Vec<PodView>) {
        let now = self
            .now
            .unwrap_or_else(|| pods.iter().map(|p| p.created).max().unwrap_or_default());
        let seen: HashMap<&str, Timestamp> = self
            .cluster
            .pods
            .iter()
            .map(|r| (r.pod.name.as_str(), r.first_seen))
            .collect();
        let mut rows: Vec<PodRow> = pods
            .into_iter()
            .map(|pod| {
                let first_seen = seen.get(pod.name.as_str()).copied().unwrap_or(now);
                PodRow { pod, first_seen }
            })
            .collect();
        // Newest first, so scale-out appears at the top where the audience looks.
        rows.sort_by(|a, b| {
            b.pod
                .created
                .cmp(&a.pod.created)
                .then_with(|| a.pod.name.cmp(&b.pod.name))
        });
        self.cluster.pods = rows;
        self.check_first_ready();
    }

    /// KEDA's Active condition as last reported.
    pub fn keda_active(&self) -> bool {
        self.cluster.scaled_object.as_ref().is_some_and(|so| {
            so.conditions
                .iter()
                .any(|c| c.type_ == "Active" && c.status == "True")
        })
    }

    /// KEDA activated (its event or its Active condition): the first time, the message that
    /// made it is what "first Ready pod" counts from.
    pub(super) fn on_keda_activated(&mut self, at: Option<Timestamp>) {
        if self.stats.first_trigger_at.is_none() {
            self.stats.first_trigger_at = self.stats.pending_trigger.or(at);
        }
        self.stats.pending_trigger = None;
    }

    pub(super) fn check_first_ready(&mut self) {
        if self.stats.first_ready_after.is_some() {
            return;
        }
        let (Some(trigger), Some(now)) = (self.stats.first_trigger_at, self.now) else {
            return;
        };
        // Pods that were Ready before the messages arrived did not answer them. A
        // creationTimestamp has whole seconds: a pod created 0.3 s after a message at x.7 s says
        // x.0 s, so compare at that resolution.
        let ready = self.cluster.pods.iter().any(|r| {
            r.pod.created.as_second() >= trigger.as_second()
                && !r.pod.deleting
                && r.pod.status == "Running"
                && r.pod.total_containers > 0
                && r.pod.ready_containers == r.pod.total_containers
        });
        if ready {
            self.stats.first_ready_after = Some(now.duration_since(trigger));
        }
    }

    pub(super) fn on_cluster_event(&mut self, e: ClusterEvent) {
        let kind = match e.reason.as_str() {
            "KEDAScaleTargetActivated" => Some(MarkerKind::KedaActivated),
            "KEDAScaleTargetDeactivated" => Some(MarkerKind::KedaDeactivated),
            _ => None,
        };
        if let Some(kind) = kind {
            self.queue.history.mark(Marker { at: e.at, kind });
        }
        // Only an activation during this run: the first list brings KEDA's events of the last
        // hour (a rehearsal's). Event times have whole seconds, so compare at that resolution.
        let during_run = self
            .started_at
            .is_some_and(|start| e.at.as_second() >= start.as_second());
        if kind == Some(MarkerKind::KedaActivated) && during_run {
            self.on_keda_activated(Some(e.at));
        }
        // Fold as kubectl counts: the same reason, object and message is one row with `×N`.
        // Events that differ only by which pod (one per pod: Scheduled, Started,
        // SuccessfulCreate, …) fold too while they come within a second, so a scale-out does not
        // push KEDA's and the HPA's off the panel; they come interleaved (SuccessfulDelete,
        // Killing, SuccessfulDelete, …), so look a few rows back.
        if let Some(row) = self
            .cluster
            .events
            .iter_mut()
            .take(FOLD_LOOKBACK)
            .find(|row| {
                let same_kind =
                    row.reason == e.reason && row.type_ == e.type_ && row.source == e.source;
                let identical = row.object == e.object && row.message == e.message;
                let per_pod = per_pod_event(row)
                    && per_pod_event(&e)
                    && e.at.duration_since(row.at).abs() <= POD_FOLD_WINDOW;
                same_kind && (identical || per_pod)
            })
        {
            row.count += e.count.max(1);
            row.at = row.at.max(e.at);
            row.message = e.message;
            row.object = e.object;
            return;
        }
        self.cluster.events.push_front(e);
        self.cluster.events.truncate(EVENTS_KEPT);
    }

    pub(super) fn on_send(&mut self, progress: SendProgress) {
        self.sends.tally.record(&progress);
        let before = self
            .sends
            .sent_by_burst
            .insert(progress.burst, progress.sent)
            .unwrap_or(0);
        let delta = progress.sent.saturating_sub(before);
        self.queue.rates.record_sent(progress.at, delta);
        if delta > 0 && !self.keda_active() {
            self.stats.pending_trigger.get_or_insert(progress.at);
        }
        if progress.burst == TRICKLE_BURST {
            return;
        }
        self.queue.rates.record_burst(progress.at, delta);
        let started = *self
            .sends
            .started
            .entry(progress.burst)
            .or_insert(progress.at);
        if let Some(err) = &progress.error {
            self.prompt.notice = Some(Notice {
                level: NoticeLevel::Warning,
                text: format!("burst #{} failed: {err}", progress.burst),
            });
        }
        if progress.done || progress.cancelled {
            self.sends.active.remove(&progress.burst);
            self.sends.started.remove(&progress.burst);
            self.sends.last_took = Some(progress.at.duration_since(started));
            self.sends.last = Some(progress);
        } else {
            self.sends.active.insert(progress.burst, progress);
        }
    }
}
