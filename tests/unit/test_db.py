import psycopg

from acf import db


def test_migrations_applied_twice_are_a_no_op(pg_dsn):
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        before = db.schema_version(conn)
        assert before >= 1
        tables_before = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'acf'"
        ).fetchone()[0]
        assert db.migrate(conn) == []
        assert db.schema_version(conn) == before
        tables_after = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'acf'"
        ).fetchone()[0]
        assert tables_after == tables_before


def test_every_migration_is_recorded(pg_dsn):
    with psycopg.connect(pg_dsn) as conn:
        recorded = [r[0] for r in conn.execute("SELECT version FROM acf.schema_version ORDER BY 1")]
    assert recorded == [v for v, _ in db.migration_files()]


def test_copy_rows_and_quarantine(pg_conn):
    n = db.copy_rows(
        pg_conn, "acf.quarantine", ["stage", "reason", "payload"],
        [("t", "bad 'quote' \\ and tab\t", "x"), ("t", "emoji 🎬 rtl שלום", '{"a": 1}')],
    )
    db.quarantine(pg_conn, "t", "nul byte", "a\x00b", source="youtube")
    pg_conn.commit()
    rows = db.fetch_dicts(pg_conn, "SELECT reason, payload FROM acf.quarantine ORDER BY quarantine_id")
    assert n == 2
    assert rows[0]["reason"] == "bad 'quote' \\ and tab\t"
    assert rows[1]["reason"] == "emoji 🎬 rtl שלום"
    assert rows[2]["payload"] == "a\\u0000b"
