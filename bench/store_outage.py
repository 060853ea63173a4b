"""The answer log through an outage: 50 sessions ask at once while the PostgreSQL app store is stopped for
ten seconds in the middle and started again. Every answer given must be in the store afterwards, once.

Answers the store cannot take wait in the local journal (``nlq.store.journal``) and are replayed, in order,
with the first answer after the store is back; the run ends with one more replay (the next answer's), so
the count is taken as a user would find History the next time anyone asks.

    .venv/bin/python -m bench.store_outage [--sessions 50] [--questions 12] [--think 1.0] [--outage 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time

from sqlalchemy import create_engine, func, select

from bench.load import session
from bench.overhead import start_standin
from nlq.services import App, open_app
from nlq.settings import load_settings
from nlq.store.tables import answers
from tests.support.postgres import PostgresServer


def stored(url: str) -> tuple[int, int]:
    """Entries in the store, and entries whose question and time appear more than once (a replay twice)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(answers)).scalar_one()
        keys = select(answers.c.asked_at, answers.c.question).group_by(answers.c.asked_at, answers.c.question)
        twice = connection.execute(select(func.count()).select_from(
            keys.having(func.count() > 1).subquery())).scalar_one()
    engine.dispose()
    return int(total), int(twice)


def run(app: App, server: PostgresServer, sessions: int, questions: int, think_s: float, outage_s: float) -> dict:
    results: list[dict] = []
    threads = [threading.Thread(target=session, args=(app, questions, i, results, think_s))
               for i in range(sessions)]
    for thread in threads:
        thread.start()
    time.sleep(max(1.0, think_s * 2))  # the sessions are under way
    server.pause()
    down_at = time.perf_counter()
    time.sleep(outage_s)
    server.resume()
    down_s = time.perf_counter() - down_at
    for thread in threads:
        thread.join()
    waiting = app.journal.waiting()
    app.journal.replay(app.store.get().log.insert)  # what the next answer does first
    return {"sessions": sessions, "answers": len(results), "store_down_s": round(down_s, 1),
            "journaled": sum(r["journaled"] for r in results), "journaled_at_end": waiting}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--questions", type=int, default=12, help="questions per session")
    parser.add_argument("--think", type=float, default=1.0, help="seconds each session pauses between questions")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the store is stopped")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    standin, model_url = start_standin()
    server = PostgresServer().start()
    try:
        store_url = server.create_database("nlq_store")
        with tempfile.TemporaryDirectory() as data_dir:
            settings = load_settings({"NLQ_DATA_DIR": data_dir, "NLQ_MODEL_URL": model_url, "NLQ_CACHE": "false",
                                      "NLQ_APP_DB_URL": store_url}, secrets_path=None)
            app = open_app(settings)
            session(app, 4, 0, [])  # warm-up: schema, catalog, store, imports
            before, _ = stored(store_url)
            row = run(app, server, args.sessions, args.questions, args.think, args.outage)
            app.close()
            after, twice = stored(store_url)
    finally:
        server.stop()
        standin.terminate()
    row.update(entries=after - before, lost=row["answers"] - (after - before), duplicated=twice)
    if args.json:
        print(json.dumps(row))
        return
    print(f"{row['sessions']} sessions, {row['answers']} answers; store stopped for {row['store_down_s']} s; "
          f"{row['journaled']} answers went to the journal, {row['journaled_at_end']} still there at the end")
    print(f"entries in the store after recovery: {row['entries']} · lost {row['lost']} · duplicated {twice}")
    print(f"goal: answers given = entries after recovery: {'met' if row['lost'] == 0 and not twice else 'NOT met'}")


if __name__ == "__main__":
    main()
