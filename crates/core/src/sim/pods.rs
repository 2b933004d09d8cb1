//! Pods of the scale target's ReplicaSet: lifecycle stages, kubectl's STATUS/READY, names, and
//! which pods a scale-down deletes first (docs/keda-semantics.md §5).

use super::time::Nanos;
use std::cmp::Reverse;

/// `k8s.io/apimachinery/pkg/util/rand`'s alphabet for generated name suffixes (§5.2).
pub const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Lifecycle stage before any deletion (§5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodStage {
    /// Created, not scheduled yet.
    Pending,
    /// Scheduled; the kubelet creates the sandbox and pulls the image.
    ContainerCreating,
    /// Container started, readiness probe not passed: `Running 0/1`.
    Running,
    /// `Running 1/1`: the receiver takes messages.
    Ready,
}

#[derive(Clone, Debug)]
pub struct Pod {
    pub serial: u32,
    pub name: Box<str>,
    pub suffix: u32,
    pub created: Nanos,
    pub stage: PodStage,
    pub ready_at: Option<Nanos>,
    /// `metadata.deletionTimestamp`.
    pub deleted_at: Option<Nanos>,
    pub in_flight: u32,
    /// When the last message it locked is due (its in-flight work ends then).
    pub last_done_at: Nanos,
    /// It abandoned its in-flight messages while terminating: their completions never come.
    pub abandoned: bool,
    /// On the dispatcher's idle stack.
    pub in_idle: bool,
    pub node: u8,
}

impl Pod {
    /// STATUS and the number of ready containers, as `kubectl get pods` prints them (§5.1).
    pub fn kubectl_status(&self) -> (&'static str, u32) {
        let ready = u32::from(self.stage == PodStage::Ready);
        let status = if self.deleted_at.is_some() {
            "Terminating"
        } else {
            match self.stage {
                PodStage::Pending => "Pending",
                PodStage::ContainerCreating => "ContainerCreating",
                PodStage::Running | PodStage::Ready => "Running",
            }
        };
        (status, ready)
    }

    pub fn takes_messages(&self) -> bool {
        self.stage == PodStage::Ready && self.deleted_at.is_none()
    }
}

/// `ActivePodsWithRanks.Less` reduced to what the simulator models: unscheduled before scheduled,
/// Pending before Running, not-ready before ready, more recently ready first, newer first.
/// Sorting ascending by this key lists pods in deletion order.
pub fn deletion_order_key(
    pod: &Pod,
) -> (
    PodStage,
    Reverse<Option<Nanos>>,
    Reverse<Nanos>,
    Reverse<u32>,
) {
    (
        pod.stage,
        Reverse(pod.ready_at),
        Reverse(pod.created),
        Reverse(pod.serial),
    )
}

/// A random 5-character suffix, encoded as a number (so used ones fit in a `HashSet<u32>`).
pub fn random_suffix(rng: &mut fastrand::Rng) -> u32 {
    let base = NAME_ALPHABET.len() as u32;
    (0..5).fold(0, |acc, _| acc * base + rng.u32(0..base))
}

pub fn suffix_text(mut suffix: u32) -> String {
    let base = NAME_ALPHABET.len() as u32;
    let mut chars = [0u8; 5];
    for c in chars.iter_mut().rev() {
        *c = NAME_ALPHABET[(suffix % base) as usize];
        suffix /= base;
    }
    String::from_utf8(chars.to_vec()).expect("alphabet is ASCII")
}

/// A pod-template-hash lookalike (upstream: `SafeEncodeString` of an FNV-32a hash, 9–10 chars).
pub fn template_hash(rng: &mut fastrand::Rng) -> String {
    (0..10)
        .map(|_| NAME_ALPHABET[rng.usize(..NAME_ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pod created at `created` ns, ready at `ready_at` ns.
    fn pod(serial: u32, stage: PodStage, created: i64, ready_at: Option<i64>) -> Pod {
        Pod {
            serial,
            name: format!("p{serial}").into(),
            suffix: 0,
            created: Nanos::from_nanos(created),
            stage,
            ready_at: ready_at.map(Nanos::from_nanos),
            deleted_at: None,
            in_flight: 0,
            last_done_at: Nanos::ZERO,
            abandoned: false,
            in_idle: false,
            node: 0,
        }
    }

    /// §5.2 "Which pods go first on scale-down".
    #[test]
    fn deletion_order_newest_least_ready_first() {
        let mut pods = [
            pod(0, PodStage::Ready, 0, Some(10)),
            pod(1, PodStage::Ready, 5, Some(20)),
            pod(2, PodStage::Running, 30, None),
            pod(3, PodStage::ContainerCreating, 40, None),
            pod(4, PodStage::Pending, 50, None),
            pod(5, PodStage::Pending, 60, None),
            pod(6, PodStage::Ready, 1, Some(20)),
        ];
        pods.sort_by_key(deletion_order_key);
        let order: Vec<u32> = pods.iter().map(|p| p.serial).collect();
        // 1 and 6 were ready at the same time: the newer (1) goes first.
        assert_eq!(order, [5, 4, 3, 2, 1, 6, 0]);
    }

    #[test]
    fn kubectl_status_strings() {
        let mut p = pod(0, PodStage::Pending, 0, None);
        let cases = [
            (PodStage::Pending, false, ("Pending", 0)),
            (PodStage::ContainerCreating, false, ("ContainerCreating", 0)),
            (PodStage::Running, false, ("Running", 0)),
            (PodStage::Ready, false, ("Running", 1)),
            (PodStage::Ready, true, ("Terminating", 1)),
            (PodStage::ContainerCreating, true, ("Terminating", 0)),
        ];
        for (stage, deleting, expected) in cases {
            p.stage = stage;
            p.deleted_at = deleting.then_some(Nanos::from_nanos(1));
            assert_eq!(
                p.kubectl_status(),
                expected,
                "{stage:?} deleting={deleting}"
            );
        }
    }

    #[test]
    fn names_use_the_replicaset_alphabet() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..100 {
            let s = suffix_text(random_suffix(&mut rng));
            assert_eq!(s.len(), 5);
            assert!(s.bytes().all(|b| NAME_ALPHABET.contains(&b)), "{s}");
        }
        let hash = template_hash(&mut rng);
        assert_eq!(hash.len(), 10);
        assert_eq!(suffix_text(0), "bbbbb");
        assert_eq!(suffix_text(26), "bbbb9");
    }
}
