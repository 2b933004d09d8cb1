"""Send N messages with Microsoft's Python SDK (azure-servicebus) and print the time, as JSON.

Modes: `single` is the seed client's pattern (one `send_messages` call per message);
`batch` fills `create_message_batch()` batches. Timing covers the send loop only: the sender
link is opened before the clock starts, as kedatui's `send` connects before its clock.
Used by scripts/bench-send.sh; needs azure-servicebus on PYTHONPATH.
"""
import json
import os
import sys
import time
from datetime import datetime, timezone

from azure.servicebus import ServiceBusClient, ServiceBusMessage


def message(seq):
    body = json.dumps({"burst": 1, "seq": seq, "sent_at": datetime.now(timezone.utc).isoformat()})
    return ServiceBusMessage(body, message_id=f"py-{seq}", application_properties={"burst": 1, "source": "python"})


def main():
    mode, queue, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = ServiceBusClient.from_connection_string(os.environ["SERVICEBUS_CONNECTION_STRING"])
    with client:
        sender = client.get_queue_sender(queue)
        with sender:
            sender._open()  # attach (CBS + link) before timing, like kedatui
            start = time.perf_counter()
            if mode == "single":
                for seq in range(count):
                    sender.send_messages(message(seq))
            else:
                seq = 0
                while seq < count:
                    batch = sender.create_message_batch()
                    while seq < count:
                        try:
                            batch.add_message(message(seq))
                        except ValueError:
                            break
                        seq += 1
                    sender.send_messages(batch)
            elapsed = time.perf_counter() - start
    print(json.dumps({"mode": mode, "sent": count, "elapsed_s": elapsed}))


if __name__ == "__main__":
    main()
