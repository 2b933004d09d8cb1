//! The broker's in-memory queues. Shared by the AMQP side, the REST side and the test handle, and
//! kept across `restart()` (like a real namespace, which persists messages across connection loss).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fe2o3_amqp_types::messaging::{Body, Message};
use fe2o3_amqp_types::primitives::Value;
use tokio::sync::Notify;

pub type AmqpMessage = Message<Body<Value>>;

/// A message as the broker holds it.
#[derive(Clone, Debug)]
pub struct StoredMessage {
    pub sequence_number: i64,
    pub enqueued_at: jiff::Timestamp,
    /// Times it was handed to a receiver before (Service Bus shows this +1).
    pub delivery_count: u32,
    pub message: AmqpMessage,
}

impl StoredMessage {
    /// The message id as text (a string, uuid, ulong or binary id), if it has one.
    pub fn message_id(&self) -> Option<String> {
        message_id_text(&self.message)
    }
}

/// What a test or the REST endpoint sees of one queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FakeCounts {
    /// Ready for delivery (and deferred): Service Bus's ActiveMessageCount. Locked messages are not
    /// counted (docs/keda-semantics.md §2.2 recommendation).
    pub active: u64,
    /// Peek-locked by a receiver.
    pub locked: u64,
    pub dead_letter: u64,
    /// Everything the queue holds: MessageCount.
    pub total: u64,
    pub enqueued_total: u64,
    pub completed_total: u64,
    /// Sends refused as duplicates (duplicate detection on).
    pub duplicates: u64,
}

#[derive(Debug, Default)]
struct Queue {
    available: VecDeque<StoredMessage>,
    /// Popped for a receiver link that is waiting for credit: not lockable by expiry yet.
    reserved: u64,
    locked: HashMap<[u8; 16], (StoredMessage, jiff::Timestamp)>,
    deferred: Vec<StoredMessage>,
    dead_letter: Vec<StoredMessage>,
    next_sequence: i64,
    enqueued_total: u64,
    completed_total: u64,
    duplicates: u64,
    /// Message ids seen, when duplicate detection is on.
    seen_ids: Option<HashSet<String>>,
}

/// How a receiver settled a locked message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    Complete,
    /// Back to the queue, delivery count +1.
    Abandon,
    /// Back to the queue untouched (never really delivered).
    Release,
    Defer,
    DeadLetter,
}

#[derive(Debug)]
pub struct Store {
    queues: Mutex<HashMap<String, Queue>>,
    /// Woken on every enqueue or requeue; delivery loops re-check their queue.
    pub changed: Notify,
    pub lock_duration: Duration,
    pub max_delivery_count: u32,
}

impl Store {
    pub fn new(queues: &[String], lock_duration: Duration, duplicate_detection: bool) -> Arc<Self> {
        let map = queues
            .iter()
            .map(|q| {
                let queue = Queue {
                    next_sequence: 1,
                    seen_ids: duplicate_detection.then(HashSet::new),
                    ..Queue::default()
                };
                (normalise(q), queue)
            })
            .collect();
        Arc::new(Self {
            queues: Mutex::new(map),
            changed: Notify::new(),
            lock_duration,
            max_delivery_count: 10,
        })
    }

    pub fn exists(&self, queue: &str) -> bool {
        self.queues.lock().unwrap().contains_key(queue)
    }

    pub fn create_queue(&self, queue: &str, duplicate_detection: bool) {
        self.queues
            .lock()
            .unwrap()
            .entry(normalise(queue))
            .or_insert_with(|| Queue {
                next_sequence: 1,
                seen_ids: duplicate_detection.then(HashSet::new),
                ..Queue::default()
            });
    }

    /// Enqueues messages atomically; returns how many were new (not duplicates). `None` if the
    /// queue does not exist.
    pub fn enqueue(&self, queue: &str, messages: Vec<AmqpMessage>) -> Option<usize> {
        let now = jiff::Timestamp::now();
        let mut queues = self.queues.lock().unwrap();
        let q = queues.get_mut(queue)?;
        let mut added = 0;
        for message in messages {
            if let Some(seen) = q.seen_ids.as_mut()
                && let Some(id) = message_id_text(&message)
                && !seen.insert(id)
            {
                q.duplicates += 1;
                continue;
            }
            let sequence_number = q.next_sequence;
            q.next_sequence += 1;
            q.enqueued_total += 1;
            q.available.push_back(StoredMessage {
                sequence_number,
                enqueued_at: now,
                delivery_count: 0,
                message,
            });
            added += 1;
        }
        drop(queues);
        self.changed.notify_waiters();
        Some(added)
    }

    /// Takes the next message for a receiver link, held by the returned guard until it is
    /// locked or deleted; a guard dropped before that (a failed transfer, or the broker stopping
    /// and dropping its tasks mid-send) puts the message back at the head of the queue.
    pub fn reserve(self: &Arc<Self>, queue: &str) -> Option<Reserved> {
        let mut queues = self.queues.lock().unwrap();
        let q = queues.get_mut(queue)?;
        let m = q.available.pop_front()?;
        q.reserved += 1;
        Some(Reserved {
            store: self.clone(),
            queue: queue.to_owned(),
            message: Some(m),
        })
    }

    fn unreserve(&self, queue: &str, message: StoredMessage) {
        if let Some(q) = self.queues.lock().unwrap().get_mut(queue) {
            q.reserved -= 1;
            q.available.push_front(message);
        }
        self.changed.notify_waiters();
    }

    fn delivered_and_deleted(&self, queue: &str) {
        if let Some(q) = self.queues.lock().unwrap().get_mut(queue) {
            q.reserved -= 1;
            q.completed_total += 1;
        }
    }

    fn lock(
        &self,
        queue: &str,
        token: [u8; 16],
        message: StoredMessage,
        locked_until: jiff::Timestamp,
    ) {
        if let Some(q) = self.queues.lock().unwrap().get_mut(queue) {
            q.reserved -= 1;
            q.locked.insert(token, (message, locked_until));
        }
    }

    /// Settles a locked message. Returns false when the lock was lost (expired or unknown).
    pub fn settle(&self, queue: &str, token: &[u8; 16], how: Settlement) -> bool {
        let mut queues = self.queues.lock().unwrap();
        let Some(q) = queues.get_mut(queue) else {
            return false;
        };
        let Some((mut m, _)) = q.locked.remove(token) else {
            return false;
        };
        match how {
            Settlement::Complete => q.completed_total += 1,
            Settlement::DeadLetter => q.dead_letter.push(m),
            Settlement::Defer => q.deferred.push(m),
            Settlement::Release => q.available.push_front(m),
            Settlement::Abandon => {
                m.delivery_count += 1;
                if m.delivery_count >= self.max_delivery_count {
                    q.dead_letter.push(m);
                } else {
                    q.available.push_front(m);
                }
            }
        }
        drop(queues);
        self.changed.notify_waiters();
        true
    }

    /// Extends locks; returns the new expiry per token (`None` = lock lost).
    pub fn renew(&self, queue: &str, tokens: &[[u8; 16]]) -> Vec<Option<jiff::Timestamp>> {
        let until = jiff::Timestamp::now() + self.lock_duration;
        let mut queues = self.queues.lock().unwrap();
        let Some(q) = queues.get_mut(queue) else {
            return vec![None; tokens.len()];
        };
        tokens
            .iter()
            .map(|t| {
                q.locked.get_mut(t).map(|(_, locked_until)| {
                    *locked_until = until;
                    until
                })
            })
            .collect()
    }

    /// Expired locks go back to the queue with their delivery count raised.
    pub fn expire_locks(&self, now: jiff::Timestamp) -> usize {
        let mut queues = self.queues.lock().unwrap();
        let mut expired = 0;
        for q in queues.values_mut() {
            let tokens: Vec<[u8; 16]> = q
                .locked
                .iter()
                .filter(|(_, (_, until))| *until <= now)
                .map(|(t, _)| *t)
                .collect();
            for t in tokens {
                let (mut m, _) = q.locked.remove(&t).expect("token listed above");
                m.delivery_count += 1;
                expired += 1;
                if m.delivery_count >= self.max_delivery_count {
                    q.dead_letter.push(m);
                } else {
                    q.available.push_front(m);
                }
            }
        }
        drop(queues);
        if expired > 0 {
            self.changed.notify_waiters();
        }
        expired
    }

    pub fn counts(&self, queue: &str) -> Option<FakeCounts> {
        let queues = self.queues.lock().unwrap();
        let q = queues.get(&normalise(queue))?;
        // Reserved messages wait for a receiver's credit; they are not locked yet.
        let active = (q.available.len() + q.deferred.len()) as u64 + q.reserved;
        let locked = q.locked.len() as u64;
        let dead_letter = q.dead_letter.len() as u64;
        Some(FakeCounts {
            active,
            locked,
            dead_letter,
            total: active + locked + dead_letter,
            enqueued_total: q.enqueued_total,
            completed_total: q.completed_total,
            duplicates: q.duplicates,
        })
    }

    /// Removes and returns every available message (a test's direct drain).
    pub fn drain(&self, queue: &str) -> Vec<StoredMessage> {
        let mut queues = self.queues.lock().unwrap();
        queues
            .get_mut(&normalise(queue))
            .map(|q| {
                q.completed_total += q.available.len() as u64;
                q.available.drain(..).collect()
            })
            .unwrap_or_default()
    }
}

/// A message popped for one receiver link and not yet handed over (see [`Store::reserve`]).
#[derive(Debug)]
pub struct Reserved {
    store: Arc<Store>,
    queue: String,
    message: Option<StoredMessage>,
}

impl Reserved {
    pub fn message(&self) -> &StoredMessage {
        self.message.as_ref().expect("held until handed over")
    }

    /// It went out in peek-lock mode: locked under `token` until `locked_until`.
    pub fn lock(mut self, token: [u8; 16], locked_until: jiff::Timestamp) {
        if let Some(m) = self.message.take() {
            self.store.lock(&self.queue, token, m, locked_until);
        }
    }

    /// It went out in receive-and-delete mode: gone.
    pub fn delete(mut self) {
        if self.message.take().is_some() {
            self.store.delivered_and_deleted(&self.queue);
        }
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        if let Some(m) = self.message.take() {
            self.store.unreserve(&self.queue, m);
        }
    }
}

/// Queue names are case-insensitive in Service Bus.
pub fn normalise(queue: &str) -> String {
    queue.to_ascii_lowercase()
}

fn message_id_text(message: &AmqpMessage) -> Option<String> {
    use fe2o3_amqp_types::messaging::MessageId;
    match message.properties.as_ref()?.message_id.as_ref()? {
        MessageId::String(s) => Some(s.clone()),
        MessageId::Ulong(n) => Some(n.to_string()),
        MessageId::Uuid(u) => Some(format!("{:?}", u.as_inner())),
        MessageId::Binary(b) => Some(format!("{:?}", b.as_ref())),
    }
}
