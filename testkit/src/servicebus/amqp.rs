//! The AMQP 1.0 side: Service Bus's dialect as azservicebus 0.25 and Python azure-servicebus speak
//! it (docs/servicebus-amqp.md §1–§3). One task per connection, session and link, on the broker's
//! `current_thread` runtime (which avoids fe2o3 0.14's unsettled-map race, §2 gotcha 2).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fe2o3_amqp::Sendable;
use fe2o3_amqp::acceptor::{
    ConnectionAcceptor, LinkAcceptor, LinkEndpoint, ListenerSessionHandle, SaslAnonymousMechanism,
    SessionAcceptor, SupportedReceiverSettleModes,
};
use fe2o3_amqp::link::delivery::Delivery;
use fe2o3_amqp::link::delivery::DeliveryInfo;
use fe2o3_amqp::link::{Receiver, Sender};
use fe2o3_amqp::types::definitions::{
    AmqpError, Error as AmqpErrorValue, ReceiverSettleMode, Role, SenderSettleMode,
};
use fe2o3_amqp::types::messaging::{
    AmqpValue, ApplicationProperties, Body, DeliveryAnnotations, Message, MessageAnnotations,
    Outcome, Properties, message::DecodeIntoMessage,
};
use fe2o3_amqp::types::primitives::{Array, OrderedMap, SimpleValue, Timestamp, Uuid, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::sas::{Grant, SasRule, verify};
use super::store::{AmqpMessage, Settlement, Store, StoredMessage, normalise};

/// Service Bus batches: one `data` section per complete encoded message (§1 "Batch encoding").
pub const BATCH_FORMAT: u32 = 0x8001_3700;

pub(crate) struct Broker {
    pub store: Arc<Store>,
    pub rules: Vec<SasRule>,
    pub entra: Option<super::entra::EntraConfig>,
    pub tokens_accepted: Arc<std::sync::atomic::AtomicUsize>,
    pub max_message_size: u64,
}

impl Broker {
    /// A SAS token (`SharedAccessSignature …`) or else an Entra ID JWT (CBS type `jwt`).
    pub fn verify_token(&self, token: &str, now_unix: i64) -> Result<Grant, String> {
        if token.trim_start().starts_with("SharedAccessSignature ") {
            verify(token, &self.rules, now_unix).map_err(|e| e.to_string())
        } else {
            super::entra::verify(token, self.entra.as_ref(), now_unix).map_err(|e| e.to_string())
        }
    }
}

/// What one connection has been granted, and where its management replies go.
#[derive(Default)]
struct ConnectionState {
    grants: Vec<Grant>,
    /// Client receiver links on management nodes, by their target and by their source address.
    reply_by_target: HashMap<String, mpsc::UnboundedSender<Message<Body<Value>>>>,
    reply_by_source: HashMap<String, mpsc::UnboundedSender<Message<Body<Value>>>>,
}

type Shared = Arc<Mutex<ConnectionState>>;

/// What a link address names, after dropping `amqp[s]://host:port/`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Cbs,
    Management(String),
    Queue(String),
}

fn node_of(address: &str) -> Node {
    let path = match address.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map(|(_, p)| p).unwrap_or(""),
        None => address,
    };
    let path = normalise(path.trim_matches('/'));
    if path == "$cbs" {
        Node::Cbs
    } else if let Some(queue) = path.strip_suffix("/$management") {
        Node::Management(queue.to_owned())
    } else {
        Node::Queue(path)
    }
}

pub(crate) async fn serve(listener: TcpListener, broker: Arc<Broker>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let broker = broker.clone();
        tokio::spawn(async move {
            if let Err(e) = handle_connection(stream, broker).await {
                tracing::debug!("servicebus-fake connection ended: {e}");
            }
        });
    }
}

async fn handle_connection(
    stream: tokio::net::TcpStream,
    broker: Arc<Broker>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let acceptor = ConnectionAcceptor::builder()
        .container_id("testkit-servicebus")
        .max_frame_size(65_536u32)
        .sasl_acceptor(SaslAnonymousMechanism::new())
        .build();
    let mut connection = acceptor.accept(stream).await?;
    let state: Shared = Arc::default();
    let session_acceptor = SessionAcceptor::new();
    while let Some(incoming) = connection.next_incoming_session().await {
        // One failed session must not close the connection (and its other sessions).
        match session_acceptor
            .accept_incoming_session(incoming, &mut connection)
            .await
        {
            Ok(session) => {
                tokio::spawn(handle_session(session, broker.clone(), state.clone()));
            }
            Err(e) => tracing::warn!("servicebus-fake: refused a session: {e}"),
        }
    }
    let _ = connection.close().await;
    Ok(())
}

fn source_address(attach: &fe2o3_amqp::types::performatives::Attach) -> Option<String> {
    attach.source.as_ref().and_then(|s| s.address.clone())
}

#[allow(unreachable_patterns)]
fn target_address(attach: &fe2o3_amqp::types::performatives::Attach) -> Option<String> {
    use fe2o3_amqp::types::messaging::TargetArchetype;
    match attach.target.as_deref()? {
        TargetArchetype::Target(t) => t.address.clone(),
        _ => None,
    }
}

async fn handle_session(mut session: ListenerSessionHandle, broker: Arc<Broker>, state: Shared) {
    let max = broker.max_message_size;
    // Python senders ask for rcv-settle-mode=second and never settle: answer `first` (§2 gotcha 3).
    let inbound = LinkAcceptor::builder()
        .supported_receiver_settle_modes(SupportedReceiverSettleModes::First)
        .fallback_receiver_settle_mode(ReceiverSettleMode::First)
        .max_message_size(max)
        .build();
    let outbound = LinkAcceptor::builder().max_message_size(max).build();
    while let Some(attach) = session.next_incoming_attach().await {
        let role = attach.role.clone();
        let source = source_address(&attach).unwrap_or_default();
        let target = target_address(&attach).unwrap_or_default();
        let receive_and_delete = attach.snd_settle_mode == SenderSettleMode::Settled;
        match role {
            // The client sends: we receive.
            Role::Sender => {
                let Ok(LinkEndpoint::Receiver(receiver)) =
                    inbound.accept_incoming_attach(attach, &mut session).await
                else {
                    continue;
                };
                let node = node_of(&target);
                let broker = broker.clone();
                let state = state.clone();
                tokio::spawn(async move {
                    match node {
                        Node::Queue(queue) => {
                            if let Some(error) = refuse(&broker, &state, &queue, Need::Send) {
                                let _ = receiver.close_with_error(error).await;
                                return;
                            }
                            ingest(receiver, broker, queue, state).await
                        }
                        node => management(receiver, node, broker, state).await,
                    }
                });
            }
            // The client receives: we send.
            Role::Receiver => {
                let Ok(LinkEndpoint::Sender(sender)) =
                    outbound.accept_incoming_attach(attach, &mut session).await
                else {
                    continue;
                };
                match node_of(&source) {
                    Node::Queue(queue) => {
                        let broker = broker.clone();
                        let state = state.clone();
                        tokio::spawn(async move {
                            if let Some(error) = refuse(&broker, &state, &queue, Need::Listen) {
                                let _ = sender.close_with_error(error).await;
                                return;
                            }
                            deliver(sender, broker.store.clone(), queue, receive_and_delete).await
                        });
                    }
                    _ => {
                        let (tx, rx) = mpsc::unbounded_channel();
                        {
                            let mut s = state.lock().unwrap();
                            s.reply_by_target.insert(target.clone(), tx.clone());
                            s.reply_by_source.insert(source.clone(), tx);
                        }
                        tokio::spawn(replies(sender, rx));
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Need {
    Send,
    Listen,
}

/// `amqp:not-found` for a missing queue, `amqp:unauthorized-access` without a covering token.
fn refuse(broker: &Broker, state: &Shared, queue: &str, need: Need) -> Option<AmqpErrorValue> {
    if !broker.store.exists(queue) {
        return Some(AmqpErrorValue::new(
            AmqpError::NotFound,
            format!("The messaging entity '{queue}' could not be found."),
            None,
        ));
    }
    let now = jiff::Timestamp::now().as_second();
    let allowed = state.lock().unwrap().grants.iter().any(|g| {
        g.expires > now
            && g.covers(queue)
            && match need {
                Need::Send => g.rights.send || g.rights.manage,
                Need::Listen => g.rights.listen || g.rights.manage,
            }
    });
    (!allowed).then(|| {
        let claim = match need {
            Need::Send => "Send",
            Need::Listen => "Listen",
        };
        AmqpErrorValue::new(
            AmqpError::UnauthorizedAccess,
            format!("Unauthorized access. '{claim}' claim(s) are required to perform this operation. Resource: '{queue}'."),
            None,
        )
    })
}

/// Client-sender link on a queue: enqueue single messages and batches, accept each transfer.
async fn ingest(mut receiver: Receiver, broker: Arc<Broker>, queue: String, state: Shared) {
    loop {
        let delivery: Delivery<Body<Value>> = match receiver.recv().await {
            Ok(d) => d,
            Err(e) => {
                tracing::debug!("servicebus-fake: sender link on {queue} ended: {e}");
                let _ = receiver.close().await;
                return;
            }
        };
        let batch = *delivery.message_format() == Some(BATCH_FORMAT);
        let (info, message) = delivery.into_parts();
        // The link's authorisation lapses with its token unless the client put a fresh one.
        if let Some(error) = refuse(&broker, &state, &queue, Need::Send) {
            let _ = receiver.reject(info, error).await;
            continue;
        }
        let messages = if batch {
            match unbatch(message) {
                Ok(m) => m,
                Err(reason) => {
                    let error = AmqpErrorValue::new(AmqpError::DecodeError, reason, None);
                    let _ = receiver.reject(info, error).await;
                    continue;
                }
            }
        } else {
            vec![message]
        };
        match broker.store.enqueue(&queue, messages) {
            Some(_) => {
                let _ = receiver.accept(info).await;
            }
            None => {
                let error =
                    AmqpErrorValue::new(AmqpError::NotFound, "queue deleted".to_string(), None);
                let _ = receiver.reject(info, error).await;
            }
        }
    }
}

/// Splits a 0x80013700 batch into its messages.
fn unbatch(envelope: AmqpMessage) -> Result<Vec<AmqpMessage>, String> {
    let Body::Data(sections) = envelope.body else {
        return Err("a batch must carry data sections".into());
    };
    sections
        .into_iter()
        .map(|data| {
            <Body<Value> as DecodeIntoMessage>::decode_message_from_reader(
                serde_amqp::read::SliceReader::new(&data.0),
            )
            .map_err(|e| format!("batched message does not decode: {e}"))
        })
        .collect()
}

/// Adds what Service Bus stamps on a delivered message, with the exact AMQP types azservicebus's
/// getters require (§1 "Receiver link": long, timestamp, timestamp, uuid).
fn decorate(
    stored: &StoredMessage,
    lock_token: [u8; 16],
    locked_until: jiff::Timestamp,
) -> AmqpMessage {
    let mut message = stored.message.clone();
    let mut annotations = message
        .message_annotations
        .take()
        .map(|a| a.0)
        .unwrap_or_default();
    annotations.insert(
        "x-opt-sequence-number".into(),
        Value::Long(stored.sequence_number),
    );
    annotations.insert(
        "x-opt-enqueued-time".into(),
        Value::Timestamp(Timestamp::from_milliseconds(
            stored.enqueued_at.as_millisecond(),
        )),
    );
    annotations.insert(
        "x-opt-locked-until".into(),
        Value::Timestamp(Timestamp::from_milliseconds(locked_until.as_millisecond())),
    );
    message.message_annotations = Some(MessageAnnotations(annotations));
    let mut delivery = message
        .delivery_annotations
        .take()
        .map(|a| a.0)
        .unwrap_or_default();
    delivery.insert(
        "x-opt-lock-token".into(),
        Value::Uuid(Uuid::from(lock_token)),
    );
    message.delivery_annotations = Some(DeliveryAnnotations(delivery));
    let mut header = message.header.take().unwrap_or_default();
    header.delivery_count = stored.delivery_count;
    message.header = Some(header);
    message
}

/// Client-receiver link on a queue: hand out messages as credit allows.
async fn deliver(mut sender: Sender, store: Arc<Store>, queue: String, receive_and_delete: bool) {
    loop {
        let reserved = loop {
            let notified = store.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(m) = store.reserve(&queue) {
                break m;
            }
            let detached = tokio::select! {
                _ = &mut notified => false,
                _ = sender.on_detach() => true,
            };
            if detached {
                // Answer the client's detach, or its next attach on this session hangs.
                let _ = sender.close().await;
                return;
            }
        };
        let token = *uuid::Uuid::new_v4().as_bytes();
        let locked_until = jiff::Timestamp::now() + store.lock_duration;
        let sendable = Sendable::builder()
            .message(decorate(reserved.message(), token, locked_until))
            .build();
        // fe2o3 waits for credit inside send; a receiver that stops asking must not keep the
        // message, so give it back (dropping `reserved`) and look again (sending is cancel
        // safe). The same drop returns it when the broker stops while this task waits.
        let fut =
            match tokio::time::timeout(Duration::from_millis(100), sender.send_batchable(sendable))
                .await
            {
                Ok(Ok(fut)) => fut,
                Ok(Err(_)) => {
                    drop(reserved);
                    let _ = sender.close().await;
                    return;
                }
                Err(_) => {
                    drop(reserved);
                    let detached = tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(100)) => false,
                        _ = sender.on_detach() => true,
                    };
                    if detached {
                        let _ = sender.close().await;
                        return;
                    }
                    continue;
                }
            };
        if receive_and_delete {
            reserved.delete();
            continue;
        }
        reserved.lock(token, locked_until);
        let store = store.clone();
        let queue = queue.clone();
        tokio::spawn(async move {
            let how = match fut.await {
                Ok(Outcome::Accepted(_)) => Settlement::Complete,
                Ok(Outcome::Rejected(_)) => Settlement::DeadLetter,
                Ok(Outcome::Released(_)) => Settlement::Release,
                Ok(Outcome::Modified(m)) if m.undeliverable_here == Some(true) => Settlement::Defer,
                Ok(Outcome::Modified(_)) => Settlement::Abandon,
                #[allow(unreachable_patterns)]
                Ok(_) => Settlement::Abandon,
                // The link went away: the lock simply expires.
                Err(_) => return,
            };
            store.settle(&queue, &token, how);
        });
    }
}

/// Sends management replies on a client-receiver link.
async fn replies(mut sender: Sender, mut rx: mpsc::UnboundedReceiver<Message<Body<Value>>>) {
    loop {
        let reply = tokio::select! {
            reply = rx.recv() => reply,
            _ = sender.on_detach() => None,
        };
        let Some(reply) = reply else {
            let _ = sender.close().await;
            return;
        };
        match sender.send_batchable(reply).await {
            Ok(fut) => {
                tokio::spawn(fut);
            }
            Err(_) => return,
        }
    }
}

/// Client-sender link on `$cbs` or `<queue>/$management`: answer each request.
async fn management(mut receiver: Receiver, node: Node, broker: Arc<Broker>, state: Shared) {
    let node_address = match &node {
        Node::Cbs => "$cbs".to_owned(),
        Node::Management(q) => format!("{q}/$management"),
        Node::Queue(q) => q.clone(),
    };
    loop {
        let delivery: Delivery<Body<Value>> = match receiver.recv().await {
            Ok(d) => d,
            Err(_) => {
                let _ = receiver.close().await;
                return;
            }
        };
        let info = DeliveryInfo::from(&delivery);
        let request = delivery.into_message();
        let _ = receiver.accept(info).await;
        let (status, description, body) = answer(&node, &request, &broker, &state);
        let request_props = request.properties.clone().unwrap_or_default();
        let reply = Message::builder()
            .properties(Properties {
                correlation_id: request_props.message_id.clone(),
                ..Properties::default()
            })
            .application_properties(
                ApplicationProperties::builder()
                    .insert("status-code", SimpleValue::Int(status))
                    .insert("statusCode", SimpleValue::Int(status))
                    .insert(
                        "status-description",
                        SimpleValue::String(description.clone()),
                    )
                    .insert("statusDescription", SimpleValue::String(description))
                    .build(),
            )
            .body(Body::Value(AmqpValue(body)))
            .build();
        // fe2o3's client: the link whose target is reply-to; pyamqp: the link whose source is the node.
        let route = {
            let s = state.lock().unwrap();
            request_props
                .reply_to
                .as_ref()
                .and_then(|r| s.reply_by_target.get(r))
                .or_else(|| s.reply_by_source.get(&node_address))
                .or_else(|| {
                    s.reply_by_source
                        .iter()
                        .find(|(k, _)| node_of(k) == node)
                        .map(|(_, v)| v)
                })
                .cloned()
        };
        if let Some(tx) = route {
            let _ = tx.send(reply);
        }
    }
}

fn app_string(message: &AmqpMessage, key: &str) -> Option<String> {
    match message.application_properties.as_ref()?.0.get(key)? {
        SimpleValue::String(s) => Some(s.clone()),
        SimpleValue::Symbol(s) => Some(s.0.clone()),
        _ => None,
    }
}

fn answer(
    node: &Node,
    request: &AmqpMessage,
    broker: &Broker,
    state: &Shared,
) -> (i32, String, Value) {
    let operation = app_string(request, "operation").unwrap_or_default();
    match (node, operation.as_str()) {
        (Node::Cbs, "put-token") => {
            let token = match &request.body {
                Body::Value(AmqpValue(Value::String(s))) => s.clone(),
                _ => return (400, "put-token needs a string token".into(), Value::Null),
            };
            let audience = app_string(request, "name").unwrap_or_default();
            match broker.verify_token(&token, jiff::Timestamp::now().as_second()) {
                Ok(grant) => {
                    let target = super::sas::resource_path(&audience);
                    if !grant.covers(&target) {
                        return (
                            401,
                            "InvalidAudience: the token does not cover the requested resource"
                                .into(),
                            Value::Null,
                        );
                    }
                    state.lock().unwrap().grants.push(grant);
                    broker
                        .tokens_accepted
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    (202, "Accepted".into(), Value::Null)
                }
                Err(e) => (401, e, Value::Null),
            }
        }
        (Node::Management(queue), "com.microsoft:renew-lock") => {
            let tokens = lock_tokens(&request.body);
            let expirations = broker.store.renew(queue, &tokens);
            if expirations.iter().any(Option::is_none) {
                return (
                    410,
                    "MessageLockLost: the lock supplied is invalid".into(),
                    Value::Null,
                );
            }
            let list: Vec<Value> = expirations
                .into_iter()
                .flatten()
                .map(|t| Value::Timestamp(Timestamp::from_milliseconds(t.as_millisecond())))
                .collect();
            let mut body = OrderedMap::new();
            body.insert(
                Value::String("expirations".into()),
                Value::Array(Array::from(list)),
            );
            (200, "OK".into(), Value::Map(body))
        }
        _ => (
            501,
            format!("operation '{operation}' is not supported by the fake"),
            Value::Null,
        ),
    }
}

/// `{"lock-tokens": uuid[]}` (azservicebus byte order; pyamqp's renew is unsupported, §2 gotcha 6).
fn lock_tokens(body: &Body<Value>) -> Vec<[u8; 16]> {
    let Body::Value(AmqpValue(Value::Map(map))) = body else {
        return Vec::new();
    };
    match map.get(&Value::String("lock-tokens".into())) {
        Some(Value::Array(tokens)) => tokens
            .iter()
            .filter_map(|v| match v {
                Value::Uuid(u) => Some(*u.as_inner()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
