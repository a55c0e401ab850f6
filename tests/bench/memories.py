#!/usr/bin/env python3
"""Memories at scale: search latency over 100,000 memories, and offline extraction time per conversation.

Usage: python3 tests/bench/memories.py [--memories 100000] [--items 10000] [--conversations 20]
                                       [--queries 500] [--binary dist/linux-x64/friendlite-edge]

Creates an account with the CLI (which also creates the schema), then writes straight into the
database with Python's sqlite3 (its FTS5 triggers index every row, as the server's inserts do):
--memories memories and --items action items for the account, a tenth as many for each of three
other users (so every search filters by user), and --conversations closed conversations of ten
minutes (150 transcript lines each, a few commitments among them) with their extraction jobs
waiting. Then `serve --offline` (no model: the local extractor) runs those jobs; the time per
conversation is read from the server's "conversation extracted" log lines. Then --queries
searches (one to three words drawn from the memories' vocabulary, some absent) go to
GET /api/memories/search?limit=10 over one keep-alive connection; median and p99 are printed.
"""
import argparse, http.client, json, os, random, sqlite3, statistics, subprocess, tempfile, time, urllib.parse, uuid
from benchlib import free_port, wait_for_port, machine, create_account

NAMES = "Anna Ben Carla David Emma Felix Greta Hugo Ines Jonas Klara Leon Mia Noah Olga Paul Rosa Sven Tara Ugo".split()
PLACES = "Lyon Berlin Porto Oslo Vienna Madrid Leeds Basel Krakow Ghent Turin Bergen Nantes Graz Cork".split()
THINGS = ("tea coffee oat milk bread cheese bicycle piano garden dentist doctor furnace glass kiln ceramics violin "
          "marathon swimming chess cello pottery sourdough espresso camera tent kayak hiking skiing yoga climbing").split()
VERBS = "likes loves hates collects repairs sells buys visits teaches studies plays builds paints cooks".split()
TEMPLATES = [
    "{name} {verb} {thing} every {day}",
    "{name} lives in {place} with a {thing}",
    "My sister {name} moved to {place} in {year}",
    "The {thing} costs {num} euros at the shop in {place}",
    "{name} is allergic to {thing}",
    "I keep the {thing} in the {place} flat",
    "{name}'s birthday is on {day} and they like {thing}",
    "The {thing} runs at {num} degrees and weighs {num2} pounds",
]
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
LINES = [
    "So I was thinking about the {thing} again.", "Yeah, {name} said the same thing last week.",
    "Remind me to call {name} on {day} at ten.", "We should visit {place} in the spring.",
    "Please buy {thing} and {thing2} before the weekend.", "I need to repair the {thing} tomorrow morning.",
    "The {thing} in {place} was much better than I expected.", "Honestly I don't know, maybe.",
    "{name} works at a {thing} shop in {place} now.", "I like {thing} more than {thing2}.",
]

def sentence(rng, templates):
    t = rng.choice(templates)
    return t.format(name=rng.choice(NAMES), verb=rng.choice(VERBS), thing=rng.choice(THINGS), thing2=rng.choice(THINGS),
                    place=rng.choice(PLACES), day=rng.choice(DAYS), year=rng.randint(1990, 2026), num=rng.randint(2, 2000),
                    num2=rng.randint(2, 900))

def seed(db, user_id, others, args, rng):
    now = int(time.time() * 1000)
    con = sqlite3.connect(db)
    with con:
        for owner, count in [(user_id, args.memories)] + [(o, args.memories // 10) for o in others]:
            con.executemany("INSERT INTO memories (user_id, text, source, created_at) VALUES (?, ?, 'local', ?)",
                            ((owner, sentence(rng, TEMPLATES), now - i) for i in range(count)))
        for owner, count in [(user_id, args.items)] + [(o, args.items // 10) for o in others]:
            con.executemany("INSERT INTO action_items (user_id, description, status, source, created_at, updated_at) VALUES (?, ?, 'open', 'local', ?, ?)",
                            ((owner, "Buy " + rng.choice(THINGS) + " and " + rng.choice(THINGS), now, now) for _ in range(count)))
        for c in range(args.conversations):
            cid = uuid.uuid4().hex
            start = now - (c + 1) * 3_600_000
            con.execute("INSERT INTO conversations (id, user_id, client_id, started_at, ended_at, sample_rate, sample_count, state) VALUES (?, ?, 'bench', ?, ?, 16000, ?, 'closed')",
                        (cid, user_id, start, start + 600_000, 600 * 16000))
            con.executemany("INSERT INTO transcript_segments (conversation_id, start_seconds, end_seconds, text, speaker, engine, model, created_at) VALUES (?, ?, ?, ?, 'speaker_bench', 'bench', 'bench', ?)",
                            ((cid, i * 4.0, i * 4.0 + 3.5, " " + sentence(rng, LINES), now) for i in range(150)))
            con.execute("INSERT INTO jobs (kind, payload, state, attempts, max_attempts, next_run_at, created_at, updated_at) VALUES ('extract', json_object('conversation_id', ?), 'pending', 0, 5, ?, ?, ?)",
                        (cid, now, now, now))
    con.close()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memories", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--conversations", type=int, default=20)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--binary", default="dist/linux-x64/friendlite-edge")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    rng = random.Random(1)
    data = tempfile.mkdtemp(prefix="friendlite-bench-")
    token = create_account(binary, data)
    for i in range(3):
        subprocess.run([binary, "user", "add", "--email", f"other{i}@example.com", "--data-dir", data],
                       input=b"correct horse battery\n", check=True, stdout=subprocess.DEVNULL)
    db = os.path.join(data, "friendlite.db")
    con = sqlite3.connect(db)
    users = dict(con.execute("SELECT email, id FROM users"))
    con.close()
    started = time.perf_counter()
    seed(db, users["bench@example.com"], [users[f"other{i}@example.com"] for i in range(3)], args, rng)
    print(f"{machine()}")
    print(f"seeded {args.memories:,} memories and {args.items:,} action items (+10 % each for 3 other users), "
          f"{args.conversations} conversations of 150 lines in {time.perf_counter() - started:.1f} s; database {os.path.getsize(db) / 2**20:.0f} MiB")

    port = free_port()
    log_path = os.path.join(data, "server.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([binary, "serve", "--offline", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data, "--log-level", "info"],
                                stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for_port(port, timeout=30)
        deadline = time.time() + 600
        while time.time() < deadline:
            con = sqlite3.connect(db)
            waiting = con.execute("SELECT count(*) FROM jobs WHERE kind = 'extract' AND state IN ('pending', 'running')").fetchone()[0]
            con.close()
            if waiting == 0:
                break
            time.sleep(0.2)
        times = []
        with open(log_path) as f:
            for line in f:
                if "conversation extracted" in line:
                    fields = dict(p.split("=", 1) for p in line.split() if "=" in p)
                    times.append(float(fields["ms"]))
        print(f"offline extraction of a 10-minute, 150-line conversation (against {args.memories:,} stored memories): "
              f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {len(times)} conversations")

        conn = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Authorization": f"Bearer {token}"}
        vocabulary = NAMES + PLACES + THINGS + VERBS + ["unicorn", "zeppelin", "\"unbalanced", "tea AND coffee"]
        latencies, hits = [], 0
        for i in range(args.queries + 20):
            query = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 3)))
            start = time.perf_counter()
            conn.request("GET", "/api/memories/search?" + urllib.parse.urlencode({"query": query, "limit": 10}), headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            elapsed = (time.perf_counter() - start) * 1000
            assert resp.status == 200, (resp.status, body[:200])
            if i >= 20:  # the first ones warm the page cache
                latencies.append(elapsed)
                hits += json.loads(body)["count"] > 0
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"GET /api/memories/search (limit 10, memories and action items) over {args.memories:,} memories: "
              f"median {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms, max {latencies[-1]:.2f} ms; {hits} of {len(latencies)} queries found something")
    finally:
        proc.terminate()
        proc.wait(timeout=30)

if __name__ == "__main__":
    main()
