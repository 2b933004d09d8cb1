"""Helpers for scripts/bench-rabbitmq.sh: the management API calls and the two pika senders.

    bench_rabbitmq.py wait PID               until the management API answers (PID: the server)
    bench_rabbitmq.py declare QUEUE          a durable queue on the default vhost
    bench_rabbitmq.py check QUEUE COUNT      until the queue holds COUNT messages, steadily
    bench_rabbitmq.py seed QUEUE COUNT       pika BlockingConnection, one confirmed publish each
    bench_rabbitmq.py batched QUEUE COUNT [WINDOW]
                                             pika SelectConnection, WINDOW unconfirmed at most
    bench_rabbitmq.py record METHOD ROUND WALL_S COUNT RESULTS.jsonl   (a sender's JSON on stdin)
    bench_rabbitmq.py summary COUNT ROUNDS RESULTS.jsonl

The senders print {"mode","sent","failed","elapsed_s"} as JSON. As kedatui's `elapsed_s`, their
clock starts once connected (connection, channel and Confirm.Select done) and stops when the last
confirm is in. Each message is the same as kedatui's: persistent (delivery_mode 2), mandatory, to
the default exchange with the queue as routing key, body {"burst":1,"seq":i,"sent_at":RFC3339},
a message_id and the headers burst and source.

Environment: RABBITMQ_URL (amqp://guest:guest@127.0.0.1:PORT/) and RABBITMQ_MANAGEMENT_URL
(http://guest:guest@127.0.0.1:PORT/). Needs pika on PYTHONPATH for the senders only.
"""
import base64
import json
import os
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone


# -- management API --------------------------------------------------------------------------

def api(method, path, body=None):
    """(status, parsed JSON or None) of a management API call; (None, None) if it does not answer."""
    base = urllib.parse.urlsplit(os.environ["RABBITMQ_MANAGEMENT_URL"])
    url = f"{base.scheme}://{base.hostname}:{base.port}/api/{path}"
    auth = base64.b64encode(f"{base.username or 'guest'}:{base.password or 'guest'}".encode()).decode()
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"Basic {auth}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read()
            return resp.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        return e.code, None
    except (urllib.error.URLError, OSError):
        return None, None


def wait(pid, limit=90.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            sys.exit(f"error: rabbitmq-server (pid {pid}) exited before it was ready")
        status, _ = api("GET", "overview")
        if status == 200:
            return
        time.sleep(0.2)
    sys.exit(f"error: the management API did not answer within {limit:.0f}s")


def declare(queue):
    status, _ = api("PUT", f"queues/%2F/{urllib.parse.quote(queue, safe='')}", {"durable": True})
    if status not in (201, 204):
        sys.exit(f"error: declaring queue {queue}: HTTP {status}")


def check(queue, count, limit=60.0):
    """Polls `messages` (the stats refresh every collect_statistics_interval, 500 ms here) until
    it reads COUNT three times in a row; fails when it does not within LIMIT seconds."""
    deadline = time.monotonic() + limit
    seen, streak = None, 0
    while time.monotonic() < deadline:
        status, q = api("GET", f"queues/%2F/{urllib.parse.quote(queue, safe='')}")
        got = q.get("messages") if status == 200 and q else None
        streak = streak + 1 if got == seen else 1
        seen = got
        if seen == count and streak >= 3:
            print(json.dumps({"queue": queue, "messages": seen}))
            return
        time.sleep(0.5)
    sys.exit(f"error: queue {queue} holds {seen} messages, expected {count}")


# -- the senders -----------------------------------------------------------------------------

def body(seq):
    sent_at = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    return json.dumps({"burst": 1, "seq": seq, "sent_at": sent_at}).encode()


def properties(pika, run, seq):
    return pika.BasicProperties(
        delivery_mode=2,
        content_type="application/json",
        message_id=f"{run}-1-{seq}",
        headers={"burst": 1, "source": "pika"},
    )


def seed(queue, count):
    """The seed's pattern: a BlockingChannel in confirm mode waits for each publish's confirm."""
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(os.environ["RABBITMQ_URL"]))
    ch = conn.channel()
    ch.confirm_delivery()
    run = uuid.uuid4().hex[:8]
    sent = failed = 0
    start = time.perf_counter()
    for seq in range(count):
        try:
            ch.basic_publish("", queue, body(seq), properties(pika, run, seq), mandatory=True)
            sent += 1
        except (pika.exceptions.UnroutableError, pika.exceptions.NackError):
            failed += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return {"mode": "seed", "sent": sent, "failed": failed, "elapsed_s": elapsed}


def batched(queue, count, window):
    """Best effort for pika: SelectConnection, WINDOW publishes back to back, then the next window
    once the broker has confirmed all of them (its acks come with multiple=True)."""
    import pika
    from pika.spec import Basic

    run = uuid.uuid4().hex[:8]
    state = {"next": 0, "confirmed": 0, "nacked": 0, "returned": 0, "start": None, "end": None,
             "error": None}
    conn_box = {}
    outstanding = set()

    def publish_window(ch):
        end = min(state["next"] + window, count)
        for seq in range(state["next"], end):
            ch.basic_publish("", queue, body(seq), properties(pika, run, seq), mandatory=True)
            outstanding.add(seq + 1)  # delivery tags count this channel's publishes from 1
        state["next"] = end

    def on_confirm(frame):
        method = frame.method
        tag = method.delivery_tag
        before = len(outstanding)
        if method.multiple:  # settles every tag up to this one
            outstanding.difference_update([t for t in outstanding if t <= tag])
        else:
            outstanding.discard(tag)
        settled = before - len(outstanding)
        if isinstance(method, Basic.Nack):
            state["nacked"] += settled
        else:
            state["confirmed"] += settled
        if state["confirmed"] + state["nacked"] >= count:
            state["end"] = time.perf_counter()
            conn_box["conn"].close()
        elif not outstanding:
            publish_window(conn_box["ch"])

    def on_return(_ch, _method, _props, _body):
        state["returned"] += 1

    def on_select_ok(_frame):
        state["start"] = time.perf_counter()
        publish_window(conn_box["ch"])

    def on_channel(ch):
        conn_box["ch"] = ch
        ch.add_on_return_callback(on_return)
        ch.confirm_delivery(on_confirm, callback=on_select_ok)

    def on_open(conn):
        conn.channel(on_open_callback=on_channel)

    def on_open_error(_conn, err):
        state["error"] = str(err)
        conn_box["conn"].ioloop.stop()

    def on_closed(_conn, _reason):
        conn_box["conn"].ioloop.stop()

    conn = pika.SelectConnection(pika.URLParameters(os.environ["RABBITMQ_URL"]),
                                 on_open_callback=on_open,
                                 on_open_error_callback=on_open_error,
                                 on_close_callback=on_closed)
    conn_box["conn"] = conn
    conn.ioloop.start()
    if state["error"] or state["end"] is None:
        sys.exit(f"error: pika batched: {state['error'] or 'connection closed before the last confirm'}")
    failed = state["nacked"] + state["returned"]
    return {"mode": "batched", "sent": state["confirmed"] - state["returned"], "failed": failed,
            "window": window, "elapsed_s": state["end"] - state["start"]}


# -- the results ------------------------------------------------------------------------------

def record(method, rnd, wall, count, path):
    """Reads a sender's JSON on stdin, refuses a short or failed run, appends a result line."""
    out = json.loads(sys.stdin.read())
    if out.get("sent") != count or out.get("failed") or out.get("error"):
        sys.exit(f"error: {method} round {rnd}: {out}")
    row = {"method": method, "round": rnd, "elapsed_s": out["elapsed_s"], "wall_s": wall}
    with open(path, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(f"round {rnd}: {method:<8} {out['elapsed_s']:8.3f}s  (whole process {wall:.3f}s)",
          file=sys.stderr)


LABELS = [
    ("kedatui", "kedatui send (lapin, 1 000 unconfirmed)"),
    ("seed", "pika, a confirm per publish (the seed)"),
    ("batched", "pika SelectConnection, 1 000 unconfirmed"),
]


def summary(count, rounds, path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    med = statistics.median
    secs = {m: med(r["elapsed_s"] for r in rows if r["method"] == m) for m, _ in LABELS}
    wall = {m: med(r["wall_s"] for r in rows if r["method"] == m) for m, _ in LABELS}
    print(f"\n{count} persistent messages, publisher confirms, one fresh durable queue each, "
          f"median of {rounds} rounds")
    print("(seconds: connected to last confirm; whole process: start to exit, connect included)")
    print(f"  {'method':<42} {'msg/s':>8} {'seconds':>8} {'whole process':>14}")
    for m, label in LABELS:
        print(f"  {label:<42} {count / secs[m]:8.0f} {secs[m]:8.3f} {wall[m]:13.3f}s")
    k = secs["kedatui"]
    print(f"  kedatui / seed:          {secs['seed'] / k:6.1f}x   (whole process {wall['seed'] / wall['kedatui']:.1f}x)")
    print(f"  kedatui / pika batched:  {secs['batched'] / k:6.1f}x   (whole process {wall['batched'] / wall['kedatui']:.1f}x)")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "wait":
        wait(int(args[0]))
    elif cmd == "declare":
        declare(args[0])
    elif cmd == "check":
        check(args[0], int(args[1]))
    elif cmd == "seed":
        print(json.dumps(seed(args[0], int(args[1]))))
    elif cmd == "batched":
        window = int(args[2]) if len(args) > 2 else 1000
        print(json.dumps(batched(args[0], int(args[1]), window)))
    elif cmd == "record":
        record(args[0], int(args[1]), float(args[2]), int(args[3]), args[4])
    elif cmd == "summary":
        summary(int(args[0]), int(args[1]), args[2])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
